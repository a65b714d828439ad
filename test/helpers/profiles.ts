/** Builds complete, validated profiles for tests from the few fields a test cares about. */

import { checkProfile, type Profile, type ProfileInput } from '../../shared/profile';

let counter = 0;

/** A profile for 127.0.0.1:port with every default filled in by the real schema. */
export function testProfile(port: number, patch: Partial<ProfileInput> = {}): Profile {
  const check = checkProfile({ name: 'Test', protocol: 'mqtt', host: '127.0.0.1', port, connectTimeout: 5000, ...patch });
  if (!check.ok) throw new Error(`test profile is invalid: ${JSON.stringify(check.fields)}`);
  return { ...check.profile, id: check.profile.id ?? `test-${++counter}-${process.pid}` };
}
