import { $, otpRequest, otpStep } from '../app.js';

const start = otpStep({
  flow: 'branch',
  request: otpRequest('/api/branch/otp'),
  form: $('#otp-form'),
  message: $('#message'),
  resend: $('#resend'),
  submit: $('#verify'),
  interrupt(result) {
    if (result.status === 401 && !result.data.challengeId && !result.data.reason) {
      // No password step in this session (or it expired): back to the start.
      location.assign('/branch/login');
      return true;
    }
    return false;
  },
});
// Sends a code only when the password step's button asked for it; a reload shows the
// challenge already sent.
await start();
