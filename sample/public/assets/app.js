// Shared helpers of the sample's pages (plain ES module, no build step).

/** `document.querySelector` shorthand. */
export const $ = (selector, root = document) => root.querySelector(selector);

/**
 * Calls the sample's JSON API. Resolves with the status, the parsed body and the headers; never
 * throws for an HTTP error status (the pages show the server's message).
 */
export async function api(method, url, { body, headers = {} } = {}) {
  let response;
  try {
    response = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return {
      status: 0,
      ok: false,
      data: { message: 'The sample app cannot be reached. Is it still running?' },
      headers: new Headers(),
    };
  }
  const text = await response.text();
  let data;
  try {
    data = text === '' ? {} : JSON.parse(text);
  } catch {
    data = { message: text };
  }
  return { status: response.status, ok: response.ok, data, headers: response.headers };
}

/** Shows a message in an `.alert` element (`kind`: info, ok, warn, error); empty text hides it. */
export function say(element, text, kind = 'info') {
  element.className = `alert ${kind === 'info' ? '' : kind}`.trim();
  element.textContent = text ?? '';
}

/** The server's message (Nest puts it in `message`, sometimes as a list). */
export function messageOf(result, fallback = 'Something went wrong.') {
  const message = result?.data?.message;
  if (Array.isArray(message)) return message.join(' ');
  return typeof message === 'string' && message !== '' ? message : fallback;
}

/** `905321234567` → `+90 532 123 45 67`. */
export function formatPhone(canonical) {
  const m = /^90(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(canonical ?? '');
  return m ? `+90 ${m[1]} ${m[2]} ${m[3]} ${m[4]}` : (canonical ?? '');
}

/** Time of day in Turkish format, with seconds. */
export function formatTime(iso) {
  return iso ? new Date(iso).toLocaleTimeString('tr-TR') : '';
}

export function formatDateTime(iso) {
  return iso ? new Date(iso).toLocaleString('tr-TR') : '';
}

/** Creates an element with text content and attributes. */
export function el(tag, { text, className, attrs = {} } = {}, children = []) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

/**
 * Explains an answer of `@RequireOtp()` to the user: 401 with a fresh challenge, 401 refused
 * code (`reason`, `attemptsLeft`), 429 locked or rate limited (`Retry-After`), 503.
 */
export function describeOtpAnswer(result) {
  const { status, data } = result;
  if (status === 401 && data.challengeId) {
    return {
      kind: 'info',
      text: `We sent a one-time password to ${data.maskedPhone}. It is valid until ${formatTime(data.expiresAt)}.`,
    };
  }
  if (status === 401 && data.reason === 'invalid') {
    return data.attemptsLeft > 0
      ? {
          kind: 'error',
          text: `That code is not valid for this request. ${data.attemptsLeft} attempt${data.attemptsLeft === 1 ? '' : 's'} left.`,
        }
      : {
          kind: 'error',
          text: 'That code is not valid and no attempts are left. Ask for a new code.',
        };
  }
  if (status === 401 && (data.reason === 'expired' || data.reason === 'not_found')) {
    return { kind: 'warn', text: `${messageOf(result)}` };
  }
  if (status === 429) {
    const wait = result.headers.get('Retry-After');
    return { kind: 'warn', text: `${messageOf(result)}${wait ? ` (try again in ${wait} s)` : ''}` };
  }
  return { kind: 'error', text: messageOf(result) };
}

/**
 * Drives one OTP-protected request: `send()` makes the first call (no code), which makes the
 * guard send a code and answer 401 with the challenge; `submit(code)` repeats the same call with
 * `X-OTP-Challenge` and `X-OTP-Code`. `body()` is evaluated for each call, as a real form would.
 */
export function otpRequest(url, body = () => ({})) {
  let challengeId;
  return {
    get challengeId() {
      return challengeId;
    },
    async send() {
      const result = await api('POST', url, { body: body() });
      if (result.status === 401 && result.data.challengeId) challengeId = result.data.challengeId;
      return result;
    },
    async submit(code) {
      return api('POST', url, {
        body: body(),
        headers: { 'X-OTP-Challenge': challengeId ?? '', 'X-OTP-Code': code },
      });
    },
  };
}

/**
 * The code step shared by the internet-branch and 3-D Secure pages: asking for a code (the guard
 * sends the SMS and answers 401 with the challenge), the expiry countdown, the resend button
 * (enabled at `resendAvailableAt`) and submitting the code. Returns `sendCode` for the page to
 * call once it is ready. `interrupt(result)` may take over a send answer (return true);
 * `describe(result)` explains a refused submission.
 */
export function otpStep({
  request,
  form,
  message,
  resend,
  submit,
  interrupt = () => false,
  describe = describeOtpAnswer,
}) {
  let stopCountdown = () => {};

  async function sendCode() {
    resend.disabled = true;
    const result = await request.send();
    if (interrupt(result)) return;
    const { kind, text } = describeOtpAnswer(result);
    say(message, text, kind);
    if (!result.data.challengeId) {
      resend.disabled = false;
      return;
    }
    stopCountdown();
    stopCountdown = countdown($('#expires'), result.data.expiresAt, () =>
      say(message, 'The code has expired. Ask for a new one.', 'warn'),
    );
    const wait = new Date(result.data.resendAvailableAt).getTime() - Date.now();
    setTimeout(() => (resend.disabled = false), Math.max(0, wait));
    form.code.focus();
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const code = form.code.value.trim();
    if (!/^\d{4,10}$/.test(code)) {
      say(message, 'Enter the digits from the SMS.', 'error');
      return;
    }
    submit.disabled = true;
    const result = await request.submit(code);
    submit.disabled = false;
    if (result.ok) {
      stopCountdown();
      location.assign(result.data.next);
      return;
    }
    const { kind, text } = describe(result);
    say(message, text, kind);
    form.code.select();
  });

  resend.addEventListener('click', () => void sendCode());
  return sendCode;
}

/** Counts down to `iso` in `element` ("2:41"); calls `onEnd` at zero. Returns a stop function. */
export function countdown(element, iso, onEnd = () => {}) {
  const end = new Date(iso).getTime();
  const tick = () => {
    const left = Math.max(0, Math.round((end - Date.now()) / 1000));
    element.textContent = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
    if (left === 0) {
      clearInterval(timer);
      onEnd();
    }
  };
  const timer = setInterval(tick, 1000);
  tick();
  return () => clearInterval(timer);
}

/** Fills the header: mode badge, current page, outbox link only where an outbox exists. */
async function decorateHeader() {
  const path = location.pathname.replace(/\/$/, '') || '/';
  for (const link of document.querySelectorAll('.site-header nav a')) {
    const section = link.dataset.section ?? link.getAttribute('href');
    if (path === section || path.startsWith(`${section}/`))
      link.setAttribute('aria-current', 'page');
  }
  const badge = $('.mode');
  const result = await api('GET', '/api/info');
  if (!result.ok) return;
  const info = result.data;
  window.sampleInfo = info;
  document.dispatchEvent(new CustomEvent('sample:info', { detail: info }));
  if (badge) {
    badge.dataset.mode = info.mode;
    badge.textContent =
      {
        embedded: 'Embedded simulator',
        memory: 'In-memory outbox',
        provider: 'Live: Posta Güvercini',
      }[info.mode] ?? info.mode;
    badge.title = info.backend;
  }
  if (!info.features.outbox) {
    for (const node of document.querySelectorAll('[data-needs-outbox]')) node.hidden = true;
  }
}

/** Resolves with `/api/info` once the header has loaded it. */
export function sampleInfo() {
  if (window.sampleInfo) return Promise.resolve(window.sampleInfo);
  return new Promise((resolve) =>
    document.addEventListener('sample:info', (event) => resolve(event.detail), { once: true }),
  );
}

decorateHeader();
