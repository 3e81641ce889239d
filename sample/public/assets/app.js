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
  element.classList.add('alert');
  for (const name of ['ok', 'warn', 'error']) element.classList.toggle(name, name === kind);
  element.textContent = text ?? '';
}

/** The server's message (Nest puts it in `message`, sometimes as a list). */
export function messageOf(result, fallback = 'Something went wrong.') {
  const message = result?.data?.message;
  if (Array.isArray(message)) return message.join(' ');
  return typeof message === 'string' && message !== '' ? message : fallback;
}

/** Empties the field errors of a form and drops their `aria-invalid` marks. */
export function clearFormErrors(form) {
  for (const slot of form.querySelectorAll('.field-error')) say(slot, '');
  for (const control of form.querySelectorAll('[aria-invalid]')) {
    control.removeAttribute('aria-invalid');
  }
}

/**
 * Shows a refused form submission next to the control it is about: the server names it in
 * `field`, and the message goes to `#<field>-error` under that control. Anything not about one
 * control goes to `fallback` (the form's message area).
 */
export function showFormError(form, result, fallback) {
  clearFormErrors(form);
  say(fallback, '');
  const field = result.data?.field;
  const slot = typeof field === 'string' ? form.querySelector(`#${CSS.escape(field)}-error`) : null;
  if (!slot) {
    say(fallback, messageOf(result), 'error');
    return;
  }
  say(slot, messageOf(result), 'error');
  const control = form.elements[field];
  if (control instanceof Element) {
    control.setAttribute('aria-invalid', 'true');
    control.setAttribute('aria-describedby', slot.id);
    control.focus();
  }
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

/** `1 attempt`, `2 attempts`: a count with its noun in the singular or the plural. */
export function plural(count, singular, pluralForm = `${singular}s`) {
  return `${count.toLocaleString('en-US')} ${count === 1 ? singular : pluralForm}`;
}

/** `m:ss` for a number of seconds. */
export function clock(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** Seconds from `Retry-After` (delta-seconds or an HTTP date), or `undefined`. */
export function retryAfterSeconds(result) {
  const header = result.headers?.get?.('Retry-After');
  if (header) {
    const seconds = /^\d+$/.test(header)
      ? Number(header)
      : (Date.parse(header) - Date.now()) / 1000;
    if (Number.isFinite(seconds)) return Math.max(0, seconds);
  }
  const body = result.data?.retryAfterSeconds;
  return typeof body === 'number' ? body : undefined;
}

/**
 * Explains an answer of `@RequireOtp()` to the user: 401 with a fresh challenge, 401 refused
 * code (`reason`, `attemptsLeft`), 429 locked or rate limited (`Retry-After`), 503.
 * `target`: `'status'` (the page's message area) or `'code'` (next to the code field).
 */
export function describeOtpAnswer(result) {
  const { status, data } = result;
  if (status === 401 && data.challengeId) {
    return {
      target: 'status',
      kind: 'info',
      text: `We sent a one-time password to ${data.maskedPhone}. It is valid until ${formatTime(data.expiresAt)}.`,
    };
  }
  if (status === 401 && data.reason === 'invalid') {
    return data.attemptsLeft > 0
      ? {
          target: 'code',
          kind: 'error',
          text: `That code is not valid for this request. ${plural(data.attemptsLeft, 'attempt')} left.`,
        }
      : {
          target: 'code',
          kind: 'error',
          text: 'That code is not valid and no attempts are left. Send a new code.',
        };
  }
  if (status === 401 && (data.reason === 'expired' || data.reason === 'not_found')) {
    return { target: 'code', kind: 'warn', text: `${messageOf(result)} Send a new code.` };
  }
  if (status === 429) {
    const wait = retryAfterSeconds(result);
    if (data.reason === 'locked') {
      // The server says when a new code will really be sent: at once (no Retry-After) or later.
      return {
        target: 'code',
        kind: 'warn',
        text: wait
          ? `Too many wrong codes: this code is locked. You can send a new code in ${clock(wait)}.`
          : 'Too many wrong codes: this code is locked. Send a new code.',
        retryAfter: wait ?? 0,
      };
    }
    return { target: 'resend', kind: 'warn', text: `${messageOf(result)}`, retryAfter: wait };
  }
  return { target: 'status', kind: 'error', text: messageOf(result) };
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
    /** Continues with a challenge sent earlier (restored after a reload). */
    restore(id) {
      challengeId = id;
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

const SEND_ON_ARRIVAL = 'otp:send-on-arrival';

/**
 * Called by the step before a code page when the user clicks its button ("Continue", "Pay"):
 * the code page then sends the code once on arrival. A reload of the code page finds no such
 * request and sends nothing by itself.
 */
export function requestCodeOnArrival(flow) {
  sessionStorage.setItem(SEND_ON_ARRIVAL, flow);
}

/**
 * The code step shared by the internet-branch and 3-D Secure pages: sending the code (only on
 * an explicit click: the previous page's button, or "Send a new code"), the expiry countdown,
 * the "Send a new code" countdown (until `resendAvailableAt`, or `Retry-After` after a 429),
 * submitting the code, and errors shown next to the control that caused them (the code field,
 * or the resend button). The challenge is kept in `sessionStorage` so that a reload shows it
 * again instead of sending another SMS. `interrupt(result)` may take over a send answer
 * (return true); `describe(result)` explains a refused submission.
 */
export function otpStep({
  flow,
  request,
  form,
  message,
  resend,
  submit,
  interrupt = () => false,
  describe = describeOtpAnswer,
}) {
  const codeError = $('#code-error');
  const resendNote = $('#resend-note');
  const storageKey = `otp:challenge:${flow}`;
  let stopExpiry = () => {};
  let stopResend = () => {};

  function showError(target, text, kind) {
    const element = target === 'code' ? codeError : target === 'resend' ? resendNote : message;
    for (const other of [codeError, resendNote]) if (other !== element) say(other, '');
    say(element, text, kind);
    form.code.setAttribute('aria-invalid', String(target === 'code' && kind === 'error'));
  }

  /** Disables "Send a new code" and counts down to `until` (ms), then enables it. */
  function resendAt(until) {
    stopResend();
    const label = resend.dataset.label ?? resend.textContent;
    resend.dataset.label = label;
    const tick = () => {
      const left = (until - Date.now()) / 1000;
      if (left <= 0) {
        clearInterval(timer);
        resend.disabled = false;
        resend.textContent = label;
        return;
      }
      resend.disabled = true;
      resend.textContent = `${label} (${clock(left)})`;
    };
    const timer = setInterval(tick, 250);
    tick();
    stopResend = () => clearInterval(timer);
  }

  function show(challenge) {
    request.restore(challenge.challengeId);
    say(
      message,
      `We sent a one-time password to ${challenge.maskedPhone}. It is valid until ${formatTime(challenge.expiresAt)}.`,
    );
    stopExpiry();
    stopExpiry = countdown($('#expires'), challenge.expiresAt, () =>
      showError('code', 'The code has expired. Send a new code.', 'warn'),
    );
    resendAt(new Date(challenge.resendAvailableAt).getTime());
  }

  async function sendCode() {
    stopResend();
    resend.disabled = true;
    const result = await request.send();
    if (interrupt(result)) return;
    if (result.status === 401 && result.data.challengeId) {
      const challenge = {
        challengeId: result.data.challengeId,
        expiresAt: result.data.expiresAt,
        resendAvailableAt: result.data.resendAvailableAt,
        maskedPhone: result.data.maskedPhone,
      };
      sessionStorage.setItem(storageKey, JSON.stringify(challenge));
      showError('status', '', 'info');
      show(challenge);
      form.code.value = '';
      form.code.focus();
      return;
    }
    // Not sent: explain it next to the button that asked for it.
    const answer = describeOtpAnswer(result);
    const wait = answer.retryAfter;
    showError(result.status === 429 ? 'resend' : 'status', answer.text, answer.kind);
    if (wait !== undefined) resendAt(Date.now() + wait * 1000);
    else resend.disabled = false;
  }

  /** The page was (re)loaded: send only if the previous page's button asked for it. */
  async function start() {
    if (sessionStorage.getItem(SEND_ON_ARRIVAL) === flow) {
      sessionStorage.removeItem(SEND_ON_ARRIVAL);
      await sendCode();
      return;
    }
    const saved = JSON.parse(sessionStorage.getItem(storageKey) ?? 'null');
    if (saved && new Date(saved.expiresAt).getTime() > Date.now()) {
      show(saved);
      return;
    }
    say(
      message,
      saved
        ? 'The code sent earlier has expired. Press "Send a new code" to get another one.'
        : 'No code has been sent for this step yet. Press "Send a new code" to get one.',
      'warn',
    );
    resend.disabled = false;
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const code = form.code.value.trim();
    if (!/^\d{4,10}$/.test(code)) {
      showError('code', 'Enter the digits from the SMS.', 'error');
      form.code.focus();
      return;
    }
    if (!request.challengeId) {
      showError('resend', 'Send a code first.', 'error');
      return;
    }
    submit.disabled = true;
    const result = await request.submit(code);
    submit.disabled = false;
    if (result.ok) {
      stopExpiry();
      stopResend();
      sessionStorage.removeItem(storageKey);
      location.assign(result.data.next);
      return;
    }
    const answer = describe(result);
    showError(answer.target ?? 'code', answer.text, answer.kind);
    if (answer.retryAfter !== undefined) resendAt(Date.now() + answer.retryAfter * 1000);
    form.code.select();
  });

  resend.addEventListener('click', () => void sendCode());
  return start;
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
