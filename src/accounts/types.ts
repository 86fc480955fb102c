/** What a store keeps for one user account. */
export interface UserRecord {
  /** Public identifier. Random; never derived from the email. */
  id: string;
  /** The normalized email address (see `normalizeEmail`). Unique. */
  email: string;
  /** Argon2id PHC string (`$argon2id$v=19$m=...`). Never leaves the server. */
  passwordHash: string;
  /** When the account was created. */
  createdAt: Date;
  /** When an administrator disabled the account, or null. A disabled account cannot log in. */
  disabledAt: Date | null;
}

/** What callers and API responses see of a user: never the password hash. */
export interface User {
  id: string;
  email: string;
  createdAt: Date;
  /** When the account was disabled, or null. */
  disabledAt: Date | null;
}

/** What a user must still have for a conditional write (see `UserStore.updateUserEmail`). */
export interface ExpectedUser {
  email: string;
  passwordHash: string;
}

/**
 * The persistence accounts need. Every method either does what it says or throws
 * `StoreUnavailableError`.
 */
export interface UserStore {
  /** Stores a new user. Throws `AccountError` with code `EMAIL_TAKEN` when the email is in use. */
  insertUser(record: UserRecord): Promise<void>;
  /** The user with this normalized email, or null. */
  findUserByEmail(email: string): Promise<UserRecord | null>;
  /** The user with this id, or null. */
  findUserById(id: string): Promise<UserRecord | null>;
  /** Every user, oldest first. */
  listUsers(): Promise<UserRecord[]>;
  /**
   * Replaces a user's password hash (after a rehash or a password change). With `expected`,
   * only while the hash is still that one: a rehash at login must not undo a password change
   * made while the login checked the old password, and of two password changes checked against
   * one hash only the first may be saved. Returns false, writing nothing, when there is no such
   * user (deleted meanwhile) or the hash has moved on; a store that returns nothing is taken to
   * have written it. A store written when this took two arguments ignores `expected`: a rehash
   * may then overwrite a password change made during the login, and the later of two changes
   * made at once overwrite the first. Implement it, and run the conformance suite
   * (`describeUserTests`).
   */
  updatePasswordHash(
    id: string,
    passwordHash: string,
    expected?: Pick<ExpectedUser, 'passwordHash'>,
    // `void` kept in the union so that stores written when this returned nothing still compile.
    // eslint-disable-next-line @typescript-eslint/no-invalid-void-type
  ): Promise<boolean | void>;
  /**
   * Gives a user another normalized email; the old one is free for another account at once.
   * With `expected`, only while the user's email and password hash are still those (what the
   * change was read and checked against). Returns false, changing nothing, when there is no such
   * user or either has moved on. Throws `AccountError` with code `EMAIL_TAKEN` when another
   * account holds the email (the user keeps the old one).
   */
  updateUserEmail(id: string, email: string, expected?: ExpectedUser): Promise<boolean>;
  /** Disables (a date) or re-enables (null) an account. Returns false when there is no such user. */
  setUserDisabled(id: string, disabledAt: Date | null): Promise<boolean>;
  /**
   * Deletes an account. With `expected`, only while the user's password hash is still that one
   * (the one a deletion by its owner was checked against). Returns false, deleting nothing, when
   * there is no such user or the hash has moved on. A store that also keeps sessions may delete
   * the user's sessions with it; callers end them through the session store regardless.
   */
  deleteUser(id: string, expected?: Pick<ExpectedUser, 'passwordHash'>): Promise<boolean>;
}
