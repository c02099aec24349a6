import { badUserInput } from './errors.ts';

/** Trims a client-supplied string and rejects it when empty or longer than `max` characters. */
export function requireText(value: string, field: string, max = 200): string {
  const text = value.trim();
  if (text.length === 0) throw badUserInput(`"${field}" must not be empty`, { field });
  if (text.length > max) throw badUserInput(`"${field}" must be at most ${max} characters`, { field });
  return text;
}
