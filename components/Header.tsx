import type { ComponentChildren } from "preact";

/** The top bar of every page: brand, navigation and a slot on the right. */
export function Header({ children, current }: { children?: ComponentChildren; current: string }) {
  const link = (href: string, label: string) => (
    <a href={href} aria-current={current === href ? "page" : undefined}>{label}</a>
  );
  return (
    <header class="topbar">
      <a class="brand" href="/">
        <svg class="brand-mark" viewBox="0 0 24 24" aria-hidden="true">
          <circle cx="6" cy="6" r="3" />
          <circle cx="18" cy="6" r="3" />
          <circle cx="12" cy="18" r="3" />
          <path d="M6 6 L12 18 L18 6" fill="none" stroke-width="2" />
        </svg>
        <span>Switchboard</span>
      </a>
      <nav class="nav" aria-label="Main">
        {link("/", "Chat")}
        {link("/status", "Status")}
      </nav>
      <div class="topbar-slot">{children}</div>
    </header>
  );
}
