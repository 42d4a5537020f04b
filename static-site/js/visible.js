// Text as people see it: the browser's twin of shared/domain/src/text.rs,
// whose comments say why each range is there. A text made only of invisible
// characters (zero-width spaces, bidirectional controls, soft hyphens…)
// counts as empty, as the server judges it. The ranges are spelled out, not
// \s or \p{Cf}: JavaScript's \s differs from Rust's White_Space (it has
// U+FEFF and lacks U+0085), and \p{Cf} follows the engine's Unicode version.
// Pure functions, no DOM: tests/browser/conditions.test.mjs runs them in Node.

// Rust's White_Space (what its str::trim removes), the other control
// characters (Cc), and the format characters and fillers that show nothing.
const WHITESPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const CONTROL = '\\u0000-\\u0008\\u000e-\\u001f\\u007f-\\u0084\\u0086-\\u009f';
const FORMAT = '\\u00ad\\u061c\\u115f\\u1160\\u17b4\\u17b5\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u206f'
  + '\\u2800\\u3164\\uffa0\\ufeff\\ufff0-\\ufffb'
  + '\\u{1bca0}-\\u{1bca3}\\u{1d173}-\\u{1d17a}\\u{e0000}-\\u{e001f}\\u{e0080}-\\u{e00ff}\\u{e01f0}-\\u{e0fff}';
// What only modifies the character before it: combining marks, variation
// selectors, emoji tag characters.
const ATTACHED = '\\u0300-\\u036f\\u1ab0-\\u1aff\\u1dc0-\\u1dff\\u20d0-\\u20ff\\ufe20-\\ufe2f'
  + '\\u180b-\\u180d\\u180f\\ufe00-\\ufe0f\\u{e0100}-\\u{e01ef}\\u{e0020}-\\u{e007f}';

const SOMETHING = new RegExp(`[^${WHITESPACE}${CONTROL}${FORMAT}${ATTACHED}]`, 'u');
// Trimming keeps the control characters that are not whitespace: a caller
// that refuses them must still see them.
const TRIMMED = new RegExp(`^[${WHITESPACE}${FORMAT}]$`, 'u');
const IS_ATTACHED = new RegExp(`^[${ATTACHED}]$`, 'u');

/** Whether `text` has a character one can see (`"\u200b\u200b"` has none). */
export function hasVisible(text) {
  return SOMETHING.test(String(text ?? ''));
}

/** `text` without what shows nothing at its ends (nor marks with nothing to sit on at its start). */
export function trimInvisible(text) {
  const chars = Array.from(String(text ?? ''));
  let start = 0;
  let end = chars.length;
  while (start < end && (TRIMMED.test(chars[start]) || IS_ATTACHED.test(chars[start]))) start += 1;
  while (end > start && TRIMMED.test(chars[end - 1])) end -= 1;
  return chars.slice(start, end).join('');
}
