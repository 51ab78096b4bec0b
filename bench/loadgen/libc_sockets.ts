/**
 * Non-blocking IPv4 TCP sockets and epoll, straight from Linux's libc through
 * Deno's FFI. The raw client uses them so that a load-generator worker reads
 * every ready socket after one wait, with one `recv` each and no promise per
 * read: Deno's own `conn.read()` costs an async op and two system calls per
 * read, which on a small machine is as much as the server spends to send the
 * frame. Linux only (x86_64 and aarch64), 127.0.0.1 only.
 *
 * @example
 * ```ts
 * const libc = openLibcSockets();
 * const fd = libc.connectLoopback(8000); // connecting; writable once connected
 * const epoll = libc.epollCreate();
 * libc.epollAdd(epoll, fd, Events.OUT | Events.IN);
 * const events = new EpollEvents(64);
 * const ready = await libc.epollWait(epoll, events, 50);
 * ```
 */

/** epoll event bits. */
export const Events = {
  IN: 0x001,
  OUT: 0x004,
  ERR: 0x008,
  HUP: 0x010,
} as const;

/** errno values the client handles. */
export const Errno = {
  EINTR: 4,
  EAGAIN: 11,
  EINPROGRESS: 115,
} as const;

const AF_INET = 2;
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;
const SOL_SOCKET = 1;
const SO_ERROR = 4;
const EPOLL_CLOEXEC = 0o2000000;
const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_MOD = 3;
/** A peer that went away must not kill the load generator with SIGPIPE. */
const MSG_NOSIGNAL = 0x4000;

/** `struct epoll_event` is packed on x86_64 (12 bytes) and naturally aligned elsewhere (16). */
const EPOLL_EVENT_BYTES = Deno.build.arch === "x86_64" ? 12 : 16;
const EPOLL_DATA_OFFSET = Deno.build.arch === "x86_64" ? 4 : 8;

const SYMBOLS = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  // Lengths (size_t) and results (ssize_t) as 32-bit: buffers here are far below 2 GiB, and the
  // narrow types keep the calls on V8's fast path, free of BigInt.
  send: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  recv: { parameters: ["i32", "buffer", "u32", "i32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  // Blocks a thread of Deno's pool, not the worker's event loop.
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32", nonblocking: true },
  __errno_location: { parameters: [], result: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;

/** A reusable array of `struct epoll_event`, each carrying a file descriptor. */
export class EpollEvents {
  readonly capacity: number;
  readonly bytes: Uint8Array;
  #view: DataView;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.bytes = new Uint8Array(capacity * EPOLL_EVENT_BYTES);
    this.#view = new DataView(this.bytes.buffer);
  }

  /** The event bits of entry `index`. */
  events(index: number): number {
    return this.#view.getUint32(index * EPOLL_EVENT_BYTES, true);
  }

  /** The file descriptor of entry `index`. */
  fd(index: number): number {
    return this.#view.getUint32(index * EPOLL_EVENT_BYTES + EPOLL_DATA_OFFSET, true);
  }
}

/** The libc calls of the raw client; a negative result means failure, see {@linkcode LibcSockets.errno}. */
export interface LibcSockets {
  /** A non-blocking TCP socket connecting to 127.0.0.1:`port` (connected once writable). */
  connectLoopback(port: number): number;
  /** The pending error of a socket (0 once a connect succeeded). */
  socketError(fd: number): number;
  send(fd: number, bytes: Uint8Array): number;
  recv(fd: number, into: Uint8Array): number;
  close(fd: number): void;
  epollCreate(): number;
  epollAdd(epoll: number, fd: number, events: number): void;
  epollModify(epoll: number, fd: number, events: number): void;
  /** Waits up to `timeoutMs` for ready sockets; resolves with how many entries were filled. */
  epollWait(epoll: number, into: EpollEvents, timeoutMs: number): Promise<number>;
  /** `errno` of the last failed call on this thread. */
  errno(): number;
  /** Unloads the library: every socket must be closed first. */
  unload(): void;
}

function throwIfFailed(result: number, what: string, errno: () => number) {
  if (result < 0) throw new Error(`${what} failed: errno ${errno()}`);
}

/** Loads libc; throws on a system without it (the caller falls back or fails the bench). */
export function openLibcSockets(): LibcSockets {
  if (Deno.build.os !== "linux") throw new Error("the raw client needs Linux (epoll)");
  const library = Deno.dlopen("libc.so.6", SYMBOLS);
  const { symbols } = library;
  const errno = () => new Deno.UnsafePointerView(symbols.__errno_location()!).getInt32();
  const intOption = new Int32Array(1);
  const intOptionBytes = new Uint8Array(intOption.buffer);
  const optionLength = new Uint32Array(1);
  const epollEvent = new Uint8Array(EPOLL_EVENT_BYTES);
  const epollEventView = new DataView(epollEvent.buffer);

  const control = (epoll: number, operation: number, fd: number, events: number) => {
    epollEventView.setUint32(0, events, true);
    epollEventView.setUint32(EPOLL_DATA_OFFSET, fd, true);
    throwIfFailed(symbols.epoll_ctl(epoll, operation, fd, epollEvent), "epoll_ctl", errno);
  };

  return {
    connectLoopback(port) {
      const fd = symbols.socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      throwIfFailed(fd, "socket", errno);
      intOption[0] = 1;
      symbols.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, intOptionBytes, 4);
      // struct sockaddr_in: family (host order), port (network order), 127.0.0.1, padding.
      const address = new Uint8Array(16);
      new DataView(address.buffer).setUint16(0, AF_INET, true);
      new DataView(address.buffer).setUint16(2, port, false);
      address.set([127, 0, 0, 1], 4);
      if (symbols.connect(fd, address, address.byteLength) < 0) {
        const code = errno();
        if (code !== Errno.EINPROGRESS) {
          symbols.close(fd);
          throw new Error(`connect failed: errno ${code}`);
        }
      }
      return fd;
    },
    socketError(fd) {
      optionLength[0] = 4;
      const result = symbols.getsockopt(
        fd,
        SOL_SOCKET,
        SO_ERROR,
        intOptionBytes,
        new Uint8Array(optionLength.buffer),
      );
      return result < 0 ? errno() : intOption[0];
    },
    send: (fd, bytes) => symbols.send(fd, bytes, bytes.byteLength, MSG_NOSIGNAL),
    recv: (fd, into) => symbols.recv(fd, into, into.byteLength, 0),
    close: (fd) => void symbols.close(fd),
    epollCreate() {
      const epoll = symbols.epoll_create1(EPOLL_CLOEXEC);
      throwIfFailed(epoll, "epoll_create1", errno);
      return epoll;
    },
    epollAdd: (epoll, fd, events) => control(epoll, EPOLL_CTL_ADD, fd, events),
    epollModify: (epoll, fd, events) => control(epoll, EPOLL_CTL_MOD, fd, events),
    epollWait: (epoll, into, timeoutMs) =>
      symbols.epoll_wait(epoll, into.bytes, into.capacity, timeoutMs),
    errno,
    unload: () => library.close(),
  };
}
