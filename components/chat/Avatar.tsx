/**
 * A round initial, coloured by name so people are easy to tell apart; a
 * guest's is grey and dashed, so a guest never looks like an account.
 */
export function Avatar(
  { name, guest = false, size = "md" }: { name: string; guest?: boolean; size?: "sm" | "md" },
) {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.codePointAt(0)!) % 360;
  return (
    <span
      class={`avatar avatar-${size}${guest ? " avatar-guest" : ""}`}
      style={{ "--avatar-hue": String(hash) }}
      aria-hidden="true"
    >
      {[...name][0]?.toUpperCase() ?? "?"}
    </span>
  );
}
