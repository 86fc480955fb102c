import { AccountError, accountGone } from '../errors.js';
import { loadCommonPasswords } from '../password/blocklist.js';
import { hashPassword, needsRehash, unmatchableHash, verifyPassword } from '../password/hash.js';
import { normalizePassword } from '../password/normalize.js';
import { resolveArgon2idParameters } from '../password/parameters.js';
import { checkPasswordPolicy, resolvePasswordPolicy } from '../password/policy.js';
import { generateId } from '../token/index.js';
import { normalizeEmail } from './email.js';
import { stampOf, toUser } from './records.js';
import { changedMeanwhile, requireEmail } from './refusals.js';

import type { Argon2idParameters } from '../password/parameters.js';
import type { PasswordPolicy } from '../password/policy.js';
import type { Clock } from '../session/types.js';
import type { ResetTokenAccount } from './reset-token.js';
import type { ExpectedUser, User, UserRecord, UserStore } from './types.js';

/** An email and a password, as a person typed them. */
export interface Credentials {
  email: string;
  password: string;
}

/** A user who just proved who they are, with the stamp of the credential they proved it with. */
export interface AuthenticatedUser extends User {
  /** See {@link Accounts.credentialStamp}. */
  readonly credentialStamp: string;
}

/** Options for {@link Accounts}. Each is checked once, in the constructor. */
export interface AccountsOptions {
  /**
   * Argon2id cost of new hashes, and the cost stored hashes are brought to at login.
   * Default: `OWASP_ARGON2ID_PARAMETERS` (19 MiB, 2 passes, 1 lane).
   */
  argon2id?: Partial<Argon2idParameters>;
  /** Length rules for new passwords. Default: `DEFAULT_PASSWORD_POLICY` (8 to 256). */
  passwordPolicy?: Partial<PasswordPolicy>;
  /** Milliseconds since the epoch, for `createdAt`. Default: `Date.now`. */
  clock?: Clock;
  /**
   * New user ids. Default: 128 random bits as 26 characters of lowercase base32 (RFC 4648
   * section 6, no padding): safe in URLs, file names and command lines (it never starts with
   * `-`), and unrelated to the email.
   */
  generateId?: () => string;
}

/**
 * Registers people and checks their passwords, over any {@link UserStore}.
 *
 * Store failures (`StoreUnavailableError`) propagate untouched from every method: an unreachable
 * store is never reported as "no such user" nor as "wrong password". Nothing returned carries
 * the password hash.
 */
export class Accounts {
  readonly #store: UserStore;
  readonly #parameters: Argon2idParameters;
  readonly #policy: PasswordPolicy;
  readonly #clock: Clock;
  readonly #generateId: () => string;
  /** What a login naming no account is checked against (see {@link authenticate}). */
  readonly #unknownAccountHash: string;

  /** Throws `ConfigError` when an option is invalid, naming it. */
  constructor(store: UserStore, options: AccountsOptions = {}) {
    this.#store = store;
    this.#parameters = resolveArgon2idParameters(options.argon2id);
    this.#unknownAccountHash = unmatchableHash(this.#parameters);
    this.#policy = resolvePasswordPolicy(options.passwordPolicy);
    this.#clock = options.clock ?? Date.now;
    this.#generateId = options.generateId ?? generateId;
  }

  /**
   * Creates an account. Throws `AccountError` with code `EMAIL_INVALID` (see `normalizeEmail`),
   * `PASSWORD_TOO_SHORT`, `PASSWORD_TOO_LONG` or `PASSWORD_TOO_COMMON` (see
   * `checkPasswordPolicy`), or, from the store,
   * `EMAIL_TAKEN` when the normalized email already has an account.
   */
  async register(credentials: Credentials): Promise<User> {
    const email = requireEmail(credentials.email);
    await this.#refuseUnfitPassword(credentials.password, email);

    const record: UserRecord = {
      id: this.#generateId(),
      email,
      passwordHash: await hashPassword(credentials.password, this.#parameters),
      createdAt: new Date(this.#clock()),
      disabledAt: null,
    };

    await this.#store.insertUser(record);
    return toUser(record);
  }

  /**
   * The user these credentials belong to, or null: one answer for an unknown email, an invalid
   * one, a wrong password and a disabled account, so that callers cannot tell which emails have
   * accounts, nor which accounts are disabled.
   *
   * Timing tells nothing either: when there is no account to check, the password is verified
   * against a stand-in hash with the same parameters (`unmatchableHash`: random bytes, which no
   * password matches), so both paths do one Argon2id verification, the first login after start
   * included. A stored hash made with older, cheaper parameters is faster
   * to check until its owner's next login replaces it. A disabled account's password is
   * verified like any other before the login is refused, for the same reason.
   *
   * After a successful check, a hash made with other parameters than the configured ones is
   * replaced (rehash on login); a store failure while saving it propagates. A disabled account
   * is never rehashed.
   */
  async authenticate(credentials: Credentials): Promise<AuthenticatedUser | null> {
    const email = normalizeEmail(credentials.email);
    const record = email === null ? null : await this.#store.findUserByEmail(email);
    if (record === null) {
      await verifyPassword(this.#unknownAccountHash, credentials.password);
      return null;
    }

    if (!(await verifyPassword(record.passwordHash, credentials.password))) return null;
    // Refused only after the verification above, so that a disabled account answers as slowly
    // as a wrong password and its status cannot be learnt by timing.
    if (record.disabledAt !== null) return null;

    let passwordHash = record.passwordHash;
    if (needsRehash(passwordHash, this.#parameters)) {
      const rehashed = await hashPassword(credentials.password, this.#parameters);
      // Written only over the hash just checked: a password change made meanwhile stands.
      const saved = await this.#store.updatePasswordHash(record.id, rehashed, {
        passwordHash: record.passwordHash,
      });
      if (saved === false) {
        // The hash moved on (a password change, or another login's rehash) or the account went:
        // the password must be checked against what the account holds now.
        const now = await this.#store.findUserById(record.id);
        if (now === null || now.disabledAt !== null) return null;
        if (!(await verifyPassword(now.passwordHash, credentials.password))) return null;
        passwordHash = now.passwordHash;
      } else {
        passwordHash = rehashed;
      }
    }
    return { ...toUser(record), credentialStamp: stampOf(passwordHash) };
  }

  /**
   * A short fingerprint of the account's current password hash, or '' when no account has
   * this email. It changes whenever the password does (and when a rehash replaces the hash),
   * so whatever was bound to it (device cookies, known addresses, a login in progress) can be
   * told apart from what came after. Not a secret, and reveals nothing of the hash.
   */
  async credentialStamp(email: string): Promise<string> {
    const normalized = normalizeEmail(email);
    const record = normalized === null ? null : await this.#store.findUserByEmail(normalized);
    return record === null ? '' : stampOf(record.passwordHash);
  }

  /** The current {@link credentialStamp} of a user by id, or null when the user is gone. */
  async credentialStampOf(userId: string): Promise<string | null> {
    return (await this.resetBindingOf(userId))?.credentialStamp ?? null;
  }

  /** What a reset token for this user is bound to, in one read; null if it is gone or disabled. */
  async resetBindingOf(userId: string): Promise<ResetTokenAccount | null> {
    const record = await this.#store.findUserById(userId);
    if (record === null || record.disabledAt !== null) return null;
    return { email: record.email, credentialStamp: stampOf(record.passwordHash) };
  }

  /**
   * Changes a user's password after checking the current one. Returns false, changing
   * nothing, when the current password is wrong or the account is disabled. Throws
   * `AccountError` when the new password breaks the policy (`PASSWORD_TOO_SHORT`,
   * `PASSWORD_TOO_LONG`, `PASSWORD_TOO_COMMON`) or is the current one (`PASSWORD_UNCHANGED`),
   * `USER_NOT_FOUND` when the account is gone (deleted before or while this was checked), and
   * `CHANGED_MEANWHILE` when the password hash changed while this was checked (another change,
   * or a rehash at login): the new hash is saved only over the one the current password was
   * checked against, so of two changes made with one password (an owner's and a thief's), the
   * first saved stands. Ending other sessions is the caller's job.
   */
  async changePassword(
    userId: string,
    change: { currentPassword: string; newPassword: string },
    options: {
      /**
       * Runs once the current password is proven and the new one accepted, just before the new
       * hash is saved: where the caller ends other sessions, so that a failure in between
       * cannot leave a changed password with a thief's session still alive.
       */
      beforeSave?: () => Promise<void>;
    } = {},
  ): Promise<boolean> {
    const record = await this.#proven(userId, change.currentPassword);
    if (record === null) return false;

    if (normalizePassword(change.newPassword) === normalizePassword(change.currentPassword)) {
      throw new AccountError('PASSWORD_UNCHANGED', 'the new password is the current one');
    }
    await this.#refuseUnfitPassword(change.newPassword, record.email);
    const passwordHash = await hashPassword(change.newPassword, this.#parameters);
    // Read again before the caller ends other sessions: a change saved while this one hashed
    // has won, and this one must not log its winner out on the way to losing.
    await this.#refuseChangedMeanwhile(record);
    await options.beforeSave?.();
    const expected = { passwordHash: record.passwordHash };
    const saved = await this.#store.updatePasswordHash(record.id, passwordHash, expected);
    // `undefined` from a store that returns nothing: written (see `UserStore`).
    if (saved !== false) return true;
    if ((await this.#store.findUserById(userId)) === null) throw accountGone();
    throw changedMeanwhile('password', 'change');
  }

  /** Throws unless the account still has the password hash it was checked with. */
  async #refuseChangedMeanwhile(record: UserRecord): Promise<void> {
    const now = await this.#store.findUserById(record.id);
    if (now === null) throw accountGone();
    if (now.passwordHash !== record.passwordHash) throw changedMeanwhile('password', 'change');
  }

  /**
   * Gives a user another email after checking their password, and returns the user as now.
   * Returns null, changing nothing, when the password is wrong or the account is disabled.
   * Throws `AccountError`: `EMAIL_INVALID` (checked before the password, at no hashing cost),
   * `USER_NOT_FOUND` when the account is gone (deleted before or while this was checked), then,
   * once the password is proven, `EMAIL_UNCHANGED` when the account
   * already has this email, `EMAIL_TAKEN` when another account has it, and `CHANGED_MEANWHILE`
   * when the account's email or password changed while this was checked (another change, a
   * password change: the first to be written wins). The old email can be registered by anyone
   * from then on. Sessions are left alone: rotating the caller's is the caller's job.
   */
  async changeEmail(
    userId: string,
    change: { currentPassword: string; newEmail: string },
  ): Promise<User | null> {
    const email = requireEmail(change.newEmail);
    const record = await this.#proven(userId, change.currentPassword);
    if (record === null) return null;
    // Written only over the email and password it was read and checked with: a password change
    // that lands meanwhile (its owner locking a thief out) wins, as does another email change.
    const moved = await this.#moveEmail(record, email, record);
    if (moved !== null) return moved;
    if ((await this.#store.findUserById(userId)) === null) throw accountGone();
    throw changedMeanwhile('email or password', 'change');
  }

  /**
   * The user's record when `password` is theirs and the account is enabled, else null. Throws
   * `USER_NOT_FOUND` for a user that is gone, which is no wrong password (a race with the
   * account's deletion), after a verification all the same.
   */
  async #proven(userId: string, password: string): Promise<UserRecord | null> {
    const record = await this.#store.findUserById(userId);
    if (record === null) {
      await verifyPassword(this.#unknownAccountHash, password);
      throw accountGone();
    }
    const valid = await verifyPassword(record.passwordHash, password);
    return valid && record.disabledAt === null ? record : null;
  }

  /**
   * Gives a user a new password, with no current password asked: for administrators (`latchkey
   * users set-password`), for an owner who lost theirs. Returns false when there is no such user.
   * Throws `AccountError` when the password breaks the policy, before anything is written.
   * `beforeSave` runs once the new hash is made, just before it is saved, as in
   * {@link changePassword}; a disabled account stays disabled. With `overStamp` (a password
   * reset), only an enabled account whose {@link credentialStamp} is still that one and whose
   * email is still `overEmail` (default: as first read), and only over that hash: else false, and
   * nothing is saved nor `beforeSave` run.
   */
  async setUserPassword(
    userId: string,
    newPassword: string,
    options: { beforeSave?: () => Promise<void>; overStamp?: string; overEmail?: string } = {},
  ): Promise<boolean> {
    const record = await this.#store.findUserById(userId);
    if (record === null) return false;
    const { overStamp: over, overEmail = record.email } = options;
    // The stamp is the hash's: held while the account is as the reset token was made for.
    const held = (now: UserRecord | null): boolean =>
      over === undefined ||
      (now?.disabledAt === null && stampOf(now.passwordHash) === over && now.email === overEmail);
    if (!held(record)) return false;
    await this.#refuseUnfitPassword(newPassword, record.email);
    const passwordHash = await hashPassword(newPassword, this.#parameters);
    if (over !== undefined && !held(await this.#store.findUserById(userId))) return false;
    await options.beforeSave?.();
    const expected = over === undefined ? undefined : { passwordHash: record.passwordHash };
    return (await this.#store.updatePasswordHash(record.id, passwordHash, expected)) !== false;
  }

  /**
   * Deletes the account of a user who proves it is theirs with their password. Returns the user
   * as it was, or null, deleting nothing, when the password is wrong or the account is disabled.
   * Throws `AccountError` `USER_NOT_FOUND` when the account is gone (another deletion won), and
   * `CHANGED_MEANWHILE` when the password hash changed while this was checked (a password change,
   * or a rehash at login): the account is deleted only over the hash it was checked against, so
   * an owner changing a stolen password wins over a thief's deletion. Ending the user's sessions
   * is the caller's job (a store may already have deleted them with the user).
   */
  async deleteAccount(userId: string, proof: { currentPassword: string }): Promise<User | null> {
    const record = await this.#proven(userId, proof.currentPassword);
    if (record === null) return null;
    if (await this.#store.deleteUser(record.id, { passwordHash: record.passwordHash })) {
      return toUser(record);
    }
    if ((await this.#store.findUserById(userId)) === null) throw accountGone();
    throw changedMeanwhile('password', 'deletion');
  }

  /**
   * Gives a user another email, with no password asked: for administrators (`latchkey users
   * set-email`), disabled accounts included. Returns the user as now, or null when there is
   * no such user; throws `AccountError` as {@link changeEmail} does.
   */
  async setUserEmail(userId: string, newEmail: string): Promise<User | null> {
    const email = requireEmail(newEmail);
    const record = await this.#store.findUserById(userId);
    return record === null ? null : this.#moveEmail(record, email);
  }

  async #moveEmail(
    record: UserRecord,
    email: string,
    expected?: ExpectedUser,
  ): Promise<User | null> {
    if (record.email === email) {
      throw new AccountError('EMAIL_UNCHANGED', "this is already the account's email");
    }
    const moved = await this.#store.updateUserEmail(
      record.id,
      email,
      expected && { email: expected.email, passwordHash: expected.passwordHash },
    );
    return moved ? toUser({ ...record, email }) : null;
  }

  /**
   * Nothing is left to prepare: a login that names no account is checked against a stand-in
   * hash that costs nothing to make (see {@link authenticate}). Resolves at once.
   *
   * @deprecated Kept so that code calling it still runs; it will be removed.
   */
  async prepare(): Promise<void> {
    // Nothing to do.
  }

  /**
   * Throws `AccountError` when a new password fails the policy. The common-password list is
   * loaded first, through import(), which bundlers follow (see `loadCommonPasswords`).
   */
  async #refuseUnfitPassword(password: string, email: string): Promise<void> {
    if (this.#policy.refuseCommon) await loadCommonPasswords();
    const verdict = checkPasswordPolicy(password, this.#policy, { email });
    if (!verdict.ok) throw new AccountError(verdict.code, verdict.message);
  }

  /** The user with this email (in any spelling that normalizes to it), or null. */
  async getUserByEmail(email: string): Promise<User | null> {
    const normalized = normalizeEmail(email);
    const record = normalized === null ? null : await this.#store.findUserByEmail(normalized);
    return record === null ? null : toUser(record);
  }

  /** The user with this id, or null when there is none. */
  async getUser(id: string): Promise<User | null> {
    const record = await this.#store.findUserById(id);
    return record === null ? null : toUser(record);
  }

  /** Every user, oldest first. */
  async listUsers(): Promise<User[]> {
    const records = await this.#store.listUsers();
    return records.map(toUser);
  }

  /**
   * Disables an account as of the clock's time, so that {@link authenticate} refuses it. Returns
   * false when there is no such user. Disabling again moves `disabledAt` to now. Sessions are
   * left alone: the caller ends them through the session store.
   */
  disableUser(id: string): Promise<boolean> {
    return this.#store.setUserDisabled(id, new Date(this.#clock()));
  }

  /** Lets a disabled account log in again. Returns false when there is no such user. */
  enableUser(id: string): Promise<boolean> {
    return this.#store.setUserDisabled(id, null);
  }

  /**
   * Deletes an account. Returns false when there is no such user. The caller ends the user's
   * sessions through the session store (a store may already have deleted them with the user).
   */
  deleteUser(id: string): Promise<boolean> {
    return this.#store.deleteUser(id);
  }
}
