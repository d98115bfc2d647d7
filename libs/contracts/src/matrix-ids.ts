import { z } from 'zod';

// Matrix identifiers, checked by their sigil and the presence of a server part. The grammar in the
// spec is looser for historical ids, so these stay permissive beyond that.
export const eventId = z.string().regex(/^\$.+/, 'a Matrix event id starts with $').describe('Matrix event id');
export const roomId = z.string().regex(/^!.+/, 'a Matrix room id starts with !').describe('Matrix room id');
export const userId = z
  .string()
  .regex(/^@[^:]+:.+$/, 'a Matrix user id looks like @localpart:server')
  .describe('Matrix user id');
