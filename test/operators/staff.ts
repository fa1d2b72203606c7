/**
 * The staff helpers moved to test/helpers/staff.ts (one home for staff users with TOTP and their
 * console sign-in); this path stays only for a file still being written against it. Not a test file.
 */
export * from '../helpers/staff.js';
