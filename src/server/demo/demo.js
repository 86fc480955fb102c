// The demo page's script. It talks to the server with fetch; the session cookie travels by
// itself (same origin) and is never visible here. Unsafe requests also carry the CSRF token
// from GET /auth/session, which browsers without Fetch Metadata need.
/* global document, fetch, window */

const $ = (id) => document.getElementById(id);
let csrfToken = null;
// The server says when registration is off: then it also refuses email changes and deletions.
let registrationOff = false;
// Set when a change was refused for want of a recent login: the login form is shown again,
// for the same account, until a login succeeds or the user logs out. Kept for the tab's life
// (sessionStorage), so that a reload does not forget it.
const REAUTHENTICATING = 'latchkey-demo-reauthenticating';
let reauthenticating = window.sessionStorage.getItem(REAUTHENTICATING) === 'yes';
// The form's email is filled in once, when that starts, not over what the user types after.
let prefillEmail = false;
// The token of a reset link (`/#reset=...`, from `latchkey users reset-link`), until it is used.
let resetToken = null;

function showCookie() {
  $('document-cookie').textContent = JSON.stringify(document.cookie);
}

async function callJson(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (csrfToken !== null && method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  const init = { method, credentials: 'same-origin', headers };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  try {
    const response = await fetch(path, init);
    const data = await response.json().catch(() => null);
    return { status: response.status, data };
  } catch {
    return { status: 0, data: null };
  }
}

function describeFailure(status, data) {
  if (status === 0) return 'The server cannot be reached.';
  return data?.error?.message ?? `The server answered ${status}.`;
}

async function refreshSession() {
  const { status, data } = await callJson('GET', '/auth/session');
  const signedIn = status === 200 && data !== null;
  csrfToken = signedIn ? data.csrfToken : null;
  if (signedIn) {
    const ends = new Date(data.session.expiresAt).toLocaleString();
    const bound = data.session.deviceBound
      ? ' It is bound to a key this browser holds: a copy of its cookies stops working within minutes.'
      : '';
    $('status').textContent =
      `Logged in as ${data.user.email}. The session ends by ${ends} unless used.${bound}`;
    $('password-form-username').value = data.user.email;
    $('email-form-username').value = data.user.email;
    $('delete-form-username').value = data.user.email;
  } else {
    $('status').textContent = status === 401 ? 'Not logged in.' : describeFailure(status, data);
  }
  reauthenticating &&= signedIn;
  if (!reauthenticating) window.sessionStorage.removeItem(REAUTHENTICATING);
  if (reauthenticating && prefillEmail) $('email').value = data.user.email;
  prefillEmail = false;
  $('account-heading').textContent = reauthenticating ? 'Log in again' : 'Register or log in';
  $('register').hidden = registrationOff || reauthenticating;
  $('logout').hidden = !signedIn;
  $('account').hidden = signedIn && !reauthenticating;
  $('sessions-panel').hidden = !signedIn;
  $('password-panel').hidden = !signedIn;
  $('email-panel').hidden = !signedIn || registrationOff;
  $('delete-panel').hidden = !signedIn || registrationOff;
  showCookie();
  if (signedIn) await refreshSessions();
}

async function refreshSessions() {
  const { status, data } = await callJson('GET', '/auth/sessions');
  const list = $('sessions');
  list.replaceChildren();
  if (status !== 200) return;
  for (const session of data.sessions) {
    const item = document.createElement('li');
    const label = document.createElement('span');
    const seen = new Date(session.lastSeenAt).toLocaleString();
    const created = new Date(session.createdAt).toLocaleString();
    const current = session.current ? ' (this one)' : '';
    const bound = session.deviceBound ? ', device-bound' : '';
    label.textContent = `${session.client}${bound}, logged in ${created}, last seen ${seen}${current}`;
    item.append(label);
    const end = document.createElement('button');
    end.type = 'button';
    end.className = 'secondary small';
    end.textContent = session.current ? 'Log out' : 'End';
    end.addEventListener('click', () => void revoke(session.id));
    item.append(end);
    list.append(item);
  }
}

async function revoke(id) {
  await callJson('DELETE', `/auth/sessions/${encodeURIComponent(id)}`);
  await refreshSession();
}

async function submitCredentials(event) {
  event.preventDefault();
  const action = event.submitter?.value === 'register' ? 'register' : 'login';
  const email = $('email').value;
  const password = $('password').value;
  $('form-message').textContent = '';
  const { status, data } = await callJson('POST', `/auth/${action}`, { email, password });
  if (status === 200 || status === 201) {
    $('password').value = '';
    $('api-result').textContent = 'Not called yet.';
    reauthenticating = false;
  } else {
    $('form-message').textContent = describeFailure(status, data);
  }
  await refreshSession();
}

async function changePassword(event) {
  event.preventDefault();
  const body = {
    currentPassword: $('current-password').value,
    newPassword: $('new-password').value,
  };
  const { status, data } = await callJson('POST', '/auth/password', body);
  noteReauthentication(data);
  $('password-message').textContent =
    status === 200
      ? `Password changed. ${data.endedSessions} other session(s) ended.`
      : describeFailure(status, data);
  if (status === 200) $('password-form').reset();
  await refreshSession();
}

async function changeEmail(event) {
  event.preventDefault();
  const body = {
    currentPassword: $('email-current-password').value,
    newEmail: $('new-email').value,
  };
  const { status, data } = await callJson('POST', '/auth/email', body);
  noteReauthentication(data);
  $('email-message').textContent =
    status === 200 ? `Email changed to ${data.user.email}.` : describeFailure(status, data);
  if (status === 200) $('email-form').reset();
  await refreshSession();
}

async function deleteAccount(event) {
  event.preventDefault();
  const body = { currentPassword: $('delete-current-password').value };
  const { status, data } = await callJson('POST', '/auth/delete-account', body);
  noteReauthentication(data);
  $('delete-message').textContent = status === 200 ? '' : describeFailure(status, data);
  $('delete-form').reset();
  if (status === 200) {
    $('api-result').textContent = 'Not called yet.';
    $('form-message').textContent = 'The account was deleted.';
  }
  await refreshSession();
}

// A change refused because the login is not recent: offer the login form again.
function noteReauthentication(data) {
  if (data?.error?.code !== 'REAUTHENTICATION_REQUIRED') return;
  prefillEmail = !reauthenticating;
  reauthenticating = true;
  window.sessionStorage.setItem(REAUTHENTICATING, 'yes');
}

// A reset link's token is taken out of the address bar at once, so that it stays in no history:
// when the page loads, and when a link is opened in a tab that shows the page already.
function takeResetToken() {
  if (!window.location.hash.startsWith('#reset=')) return;
  const match = /^#reset=([A-Za-z0-9_.-]+)$/.exec(window.location.hash);
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
  $('reset-panel').hidden = false;
  resetToken = match === null ? null : match[1];
  $('reset-form').hidden = resetToken === null;
  $('reset-message').textContent =
    resetToken === null ? 'This reset link is damaged: copy it again, whole.' : '';
}

async function resetPassword(event) {
  event.preventDefault();
  const body = { token: resetToken, newPassword: $('reset-password').value };
  const { status, data } = await callJson('POST', '/auth/password-reset', body);
  if (status !== 200) {
    $('reset-message').textContent = describeFailure(status, data);
    return;
  }
  resetToken = null;
  $('reset-form').reset();
  $('reset-panel').hidden = true;
  $('form-message').textContent = data.message;
  await refreshSession();
}

async function callApi() {
  const { status, data } = await callJson('GET', '/api/secure-data');
  $('api-result').textContent = `${status}\n${JSON.stringify(data, null, 2)}`;
}

async function logout() {
  await callJson('POST', '/auth/logout');
  $('api-result').textContent = 'Not called yet.';
  await refreshSession();
}

async function logoutOthers() {
  const { status, data } = await callJson('POST', '/auth/logout-others');
  $('sessions-message').textContent =
    status === 200
      ? `${data.endedSessions} other session(s) ended.`
      : describeFailure(status, data);
  await refreshSessions();
}

document.addEventListener('DOMContentLoaded', () => {
  registrationOff = document.body.dataset.registration === 'off';
  prefillEmail = reauthenticating;
  $('register').hidden = registrationOff;
  $('credentials').addEventListener('submit', (event) => void submitCredentials(event));
  $('password-form').addEventListener('submit', (event) => void changePassword(event));
  $('email-form').addEventListener('submit', (event) => void changeEmail(event));
  $('delete-form').addEventListener('submit', (event) => void deleteAccount(event));
  $('read-cookie').addEventListener('click', showCookie);
  $('call-api').addEventListener('click', () => void callApi());
  $('logout').addEventListener('click', () => void logout());
  $('logout-others').addEventListener('click', () => void logoutOthers());
  $('reset-form').addEventListener('submit', (event) => void resetPassword(event));
  // The register button is for a new password: let password managers offer to generate one.
  $('register').addEventListener('pointerdown', () => {
    $('password').autocomplete = 'new-password';
  });
  $('login').addEventListener('pointerdown', () => {
    $('password').autocomplete = 'current-password';
  });
  takeResetToken();
  window.addEventListener('hashchange', takeResetToken);
  void refreshSession();
});
