/**
 * The operators' API shapes (issue 15; contract "Operators (round 2)"). A staff member sees a
 * customer's account and history in the customer's own shapes (schemas.ts).
 */
import { Type } from 'typebox';
import { REASON_MAX_CHARS } from '../../../domain/staff-reason.js';
import { AccountSchema, UserSchema } from './schemas.js';

const Id = Type.String({ minLength: 1, maxLength: 64, pattern: '^[\\x21-\\x7e]+$' });

/** A reason as sent; its rule (1..500 characters, no control characters) is staff-reason.ts's, answered as param `reason`. */
const Reason = Type.String({ maxLength: REASON_MAX_CHARS * 4, description: 'Why: 1 to 500 characters, no control characters or line breaks.' });

export const ReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });

/** Looks may say why (optional); the look is audited either way. */
export const OptionalReasonQuery = { reason: Type.Optional(Reason) };

export const SearchQuery = Type.Object(
  { q: Type.String({ minLength: 1, maxLength: 64, description: 'A username prefix (case-insensitive) or an account number.' }), ...OptionalReasonQuery },
  { additionalProperties: false },
);

export const UserParams = Type.Object({ user_id: Id }, { additionalProperties: false });

const RoleSchema = Type.Union([Type.Literal('customer'), Type.Literal('support'), Type.Literal('admin')]);

export const CustomerCardSchema = Type.Object(
  { user: UserSchema, roles: Type.Array(RoleSchema), accounts: Type.Array(AccountSchema) },
  { additionalProperties: false },
);

export const SearchResponse = Type.Object({ data: Type.Array(CustomerCardSchema), has_more: Type.Boolean() }, { additionalProperties: false });
