"""An SSH client that does the key exchange like any other, then sends exactly what a test
scripts: authentication requests in any order, probes, forged signatures, a USERAUTH_SUCCESS of
its own, channel opens and global requests before authentication. Neither OpenSSH's client nor
asyncssh's own authentication code would ever send these.

Built on Debian's python3-asyncssh (2.10 on Debian 12): its key exchange and packet encryption,
with two of its internals replaced:
- `try_next_auth`, which asyncssh calls when the server accepts the ssh-userauth service, starts
  no authentication: from there the test speaks;
- asyncssh holds connection-layer messages (type > 79) back until it has authenticated, and
  refuses such replies before then: the connection marks itself authenticated (client side
  only) so what the test sends goes out at once and what the server answers is recorded.
Before the key exchange (banner, packet length) tests use plain sockets instead.
"""
from __future__ import annotations

import asyncio
import warnings

with warnings.catch_warnings():  # Debian's asyncssh imports ciphers cryptography deprecates
    warnings.simplefilter("ignore")
    import asyncssh
    from asyncssh.packet import Boolean, Byte, String, UInt32, SSHPacketHandler

from .procs import LOCALHOST

MSG_IGNORE = 2
MSG_UNIMPLEMENTED = 3
MSG_USERAUTH_REQUEST = 50
MSG_USERAUTH_FAILURE = 51
MSG_USERAUTH_SUCCESS = 52
MSG_USERAUTH_BANNER = 53
MSG_USERAUTH_PK_OK = 60  # also keyboard-interactive's INFO_REQUEST
MSG_GLOBAL_REQUEST = 80
MSG_REQUEST_SUCCESS = 81
MSG_REQUEST_FAILURE = 82
MSG_CHANNEL_OPEN = 90
MSG_CHANNEL_OPEN_CONFIRMATION = 91
MSG_CHANNEL_OPEN_FAILURE = 92
MSG_CHANNEL_REQUEST = 98
MSG_CHANNEL_SUCCESS = 99
MSG_CHANNEL_FAILURE = 100

# Connection-level answers the test sees (those for channels and auth methods: _Recorder);
# everything else (disconnect, ignore, debug, key re-exchange) asyncssh handles itself.
_RECORDED = {MSG_UNIMPLEMENTED, MSG_USERAUTH_FAILURE, MSG_USERAUTH_SUCCESS, MSG_USERAUTH_BANNER,
             MSG_REQUEST_SUCCESS, MSG_REQUEST_FAILURE, MSG_CHANNEL_OPEN_CONFIRMATION,
             MSG_CHANNEL_OPEN_FAILURE}


def load_key(path) -> "asyncssh.SSHKeyPair":
    """A private key file as a key pair that can sign (`.sign(data)`, `.public_data`)."""
    return asyncssh.load_keypairs([str(path)])[0]


class _Recorder(SSHPacketHandler):
    """Stands in for asyncssh's authentication object and for its channels 0-3: what arrives
    for them (method-specific auth replies 60-79 such as PK_OK; channel messages 93-127 such as
    CHANNEL_SUCCESS or data) is recorded instead of processed."""

    def __init__(self, conn: "ScriptedConnection"):
        self._conn = conn

    @property
    def logger(self):
        return self._conn.logger

    def process_packet(self, pkttype, pktid, packet) -> bool:
        self._conn._record(pkttype, packet)
        return True

    def cancel(self) -> None:
        pass

    def close(self) -> None:
        pass

    def process_connection_close(self, exc) -> None:
        pass


class ScriptedConnection(asyncssh.SSHClientConnection):
    """Use `open_scripted()`; then `send`/`auth_*`/`channel_open`/`global_request`, and read
    the server's answers with `next_reply()`."""

    def __init__(self, loop, options):
        super().__init__(loop, options, wait=None)
        self.replies: asyncio.Queue = asyncio.Queue()
        self.ready = loop.create_future()   # the ssh-userauth service was accepted
        self.closed = loop.create_future()  # the connection ended (either side)

    # -- asyncssh internals replaced -------------------------------------------------------

    def try_next_auth(self) -> None:
        self._auth = _Recorder(self)
        for number in range(4):  # the channel numbers the test's channel opens use
            self._channels[number] = _Recorder(self)
        self._auth_complete = True  # client side only: send and record type > 79 too
        if not self.ready.done():
            self.ready.set_result(None)

    def process_packet(self, pkttype, pktid, packet) -> bool:
        if self.ready.done() and pkttype in _RECORDED:
            self._record(pkttype, packet)
            return True
        return super().process_packet(pkttype, pktid, packet)

    def _cleanup(self, exc) -> None:
        if not self.closed.done():
            self.closed.set_result(exc)
        if not self.ready.done():
            self.ready.set_exception(ConnectionError(f"closed before authentication: {exc}"))
        super()._cleanup(exc)

    def _record(self, pkttype: int, packet) -> None:
        self.replies.put_nowait((pkttype, packet.get_remaining_payload()))

    # -- what tests send -------------------------------------------------------------------

    @property
    def local_port(self) -> int:
        return self._local_port

    def send(self, pkttype: int, *fields: bytes) -> None:
        """Any message, encrypted with the session's keys, sent now."""
        self.send_packet(pkttype, *fields)

    def _auth_body(self, user: str, method: str, *fields: bytes) -> bytes:
        return (String(user) + String("ssh-connection") + String(method)) + b"".join(fields)

    def auth_none(self, user: str) -> None:
        self.send(MSG_USERAUTH_REQUEST, self._auth_body(user, "none"))

    def auth_password(self, user: str, password: str) -> None:
        self.send(MSG_USERAUTH_REQUEST, self._auth_body(user, "password", Boolean(False),
                                                       String(password)))

    def auth_keyboard_interactive(self, user: str) -> None:
        self.send(MSG_USERAUTH_REQUEST, self._auth_body(user, "keyboard-interactive",
                                                       String(""), String("")))

    def auth_hostbased(self, user: str, key) -> None:
        """A hostbased request with a signature that cannot be valid (over nothing)."""
        self.send(MSG_USERAUTH_REQUEST, self._auth_body(
            user, "hostbased", String(key.algorithm), String(key.public_data),
            String("client.example."), String("root"), String(key.sign(b"nothing"))))

    def auth_publickey(self, user: str, key, *, signed_by=None, probe: bool = False) -> None:
        """Offer `key` for `user`: a probe (no signature), or signed by `signed_by` (default:
        the key itself) over this session's id and the request, as RFC 4252 section 7 says."""
        body = self._auth_body(user, "publickey", Boolean(not probe), String(key.algorithm),
                               String(key.public_data))
        if not probe:
            signer = signed_by or key
            data = String(self._session_id) + Byte(MSG_USERAUTH_REQUEST) + body
            body += String(signer.sign(data))
        self.send(MSG_USERAUTH_REQUEST, body)

    def channel_open(self, kind: str = "session", *extra: bytes, channel: int = 0) -> None:
        self.send(MSG_CHANNEL_OPEN, String(kind), UInt32(channel), UInt32(1 << 20),
                  UInt32(32768), *extra)

    def direct_tcpip(self, host: str, port: int, channel: int = 1) -> None:
        self.channel_open("direct-tcpip", String(host), UInt32(port), String(LOCALHOST),
                          UInt32(50000), channel=channel)

    def exec_request(self, command: str, channel: int = 0) -> None:
        """An exec request on the server's channel number `channel` (as if one had opened)."""
        self.send(MSG_CHANNEL_REQUEST, UInt32(channel), String("exec"), Boolean(True),
                  String(command))

    def global_request(self, name: str, *fields: bytes) -> None:
        self.send(MSG_GLOBAL_REQUEST, String(name), Boolean(True), *fields)

    def tcpip_forward(self, host: str = LOCALHOST, port: int = 0) -> None:
        self.global_request("tcpip-forward", String(host), UInt32(port))

    def write_raw(self, data: bytes) -> None:
        """Bytes straight to the socket, outside any packet (e.g. a forged length header)."""
        self._transport.write(data)

    # -- what the server answered ----------------------------------------------------------

    async def next_reply(self, timeout: float = 5.0):
        """The server's next recorded message as (type, payload); None if the connection
        closes or nothing comes within `timeout` seconds."""
        if not self.replies.empty():
            return self.replies.get_nowait()
        get = asyncio.ensure_future(self.replies.get())
        done, _ = await asyncio.wait({get, self.closed}, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if get in done:
            return get.result()
        get.cancel()
        return self.replies.get_nowait() if not self.replies.empty() else None

    async def replies_until_quiet(self, quiet: float = 1.0) -> list[int]:
        """The types of every message the server sends until it is quiet for `quiet` seconds
        or the connection closes."""
        types = []
        while (reply := await self.next_reply(quiet)) is not None:
            types.append(reply[0])
        return types

    async def closed_by_server(self, timeout: float) -> bool:
        """True when the connection ends within `timeout` seconds (without us closing it)."""
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), timeout)
            return True
        except asyncio.TimeoutError:
            return False


async def open_scripted(port: int, known_hosts, *, user: str = "root@db-1",
                        source: str = LOCALHOST, ciphers=(),
                        timeout: float = 10) -> ScriptedConnection:
    """A connection to 127.0.0.1:`port` from `source`, past key exchange (the host key checked
    against `known_hosts`) and the ssh-userauth service, with nothing authenticated yet.
    `ciphers`: the only ones the client offers (default: asyncssh's list)."""
    loop = asyncio.get_running_loop()
    options = asyncssh.SSHClientConnectionOptions(
        host=LOCALHOST, port=port, username=user, known_hosts=str(known_hosts), config=None,
        client_keys=None, agent_path=None, compression_algs=None, keepalive_interval=0,
        encryption_algs=list(ciphers) or ())
    _, conn = await asyncio.wait_for(loop.create_connection(
        lambda: ScriptedConnection(loop, options), LOCALHOST, port,
        local_addr=(source, 0)), timeout)
    try:
        await asyncio.wait_for(asyncio.shield(conn.ready), timeout)
    except BaseException:
        conn.abort()
        raise
    return conn
