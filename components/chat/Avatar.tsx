/** A round initial, coloured by name so people are easy to tell apart. */
export function Avatar({ name, size = "md" }: { name: string; size?: "sm" | "md" }) {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.codePointAt(0)!) % 360;
  return (
    <span
      class={`avatar avatar-${size}`}
      style={{ "--avatar-hue": String(hash) }}
      aria-hidden="true"
    >
      {[...name][0]?.toUpperCase() ?? "?"}
    </span>
  );
}
