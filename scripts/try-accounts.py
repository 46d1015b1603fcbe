#!/usr/bin/env python3
"""Tried as a player would (issue 21): the two releases' own clients, unchanged, on a bang in
accounts mode. Each player registers over HTTP and hands the client a server URL carrying the
session token as the password of basic auth (`http://name:TOKEN@host:port`): the clients append
`/ws` and their WebSocket library sends the credentials. Starts its own server:

    PYTHONPATH=../shared/reference-2026/gradient-bang/src:../shared/reference/gradient-bang \\
        python3 scripts/try-accounts.py target/release/bang

(a Python with `websockets`, e.g. the reference's venv). Prints what each step saw; exits
non-zero at the first surprise.
"""

import asyncio
import json
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request

from gradientbang.utils.api_client import AsyncGameClient as Client2026
from utils.api_client import AsyncGameClient as Client2025
from utils.api_client import RPCError

BANG = sys.argv[1] if len(sys.argv) > 1 else "target/release/bang"


def check(what, ok):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        sys.exit(1)


def post(host, action, body, token=None):
    """POST /api/account/ACTION; (status, JSON body)."""
    request = urllib.request.Request(
        f"http://{host}/api/account/{action}", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
    )
    try:
        with urllib.request.urlopen(request) as r:
            return r.status, json.load(r)
    except urllib.error.HTTPError as e:
        return e.code, json.load(e)


async def refused(call):
    try:
        await call
    except RPCError as e:
        return e.status
    except RuntimeError as e:  # the 2026-01 client's own error type
        return getattr(e, "status", str(e))
    return None


async def main(host):
    status, ada = post(host, "register", {"username": "ada", "password": "correct horse battery"})
    check(f"ada registered over HTTP ({status}), token {ada['token'][:12]}…", status == 200)
    _, mallory = post(host, "register", {"username": "mallory", "password": "another password"})
    ada_url = f"http://ada:{ada['token']}@{host}"
    mallory_url = f"http://mallory:{mallory['token']}@{host}"

    ended = []
    player = Client2025(base_url=ada_url, character_id="ada-ship")
    player.on("session.ended")(lambda p: ended.append(p))
    status = await player.join(character_id="ada-ship")
    check(f"the 2025-10 client joined ada-ship in sector {status['sector']}", "sector" in status)
    await player.my_status(character_id="ada-ship")
    check("it reads its status", True)

    thief = Client2025(base_url=mallory_url, character_id="ada-ship")
    code = await refused(thief.join(character_id="ada-ship"))
    check(f"mallory's client is refused ada's character ({code})", code == 403)
    await thief.close()
    own = Client2025(base_url=mallory_url, character_id="mint")
    code = await refused(own.join(character_id="mint"))
    check("mallory joins a character of her own", code is None)
    await own.close()

    anonymous = Client2025(base_url=f"http://{host}", character_id="nobody")
    code = await refused(anonymous.join(character_id="nobody"))
    check(f"a client without a token is refused ({code})", code == 401)
    await anonymous.close()

    # The 2026-01 client on the same account (its dialect asked for in the URL it appends /ws to).
    async with Client2026(base_url=f"{ada_url}/ws?dialect=2026-01&_=", character_id="ada-ship") as newer:
        await newer.join(character_id="ada-ship")
        check("the 2026-01 client joined ada-ship with the same token", True)
        await asyncio.sleep(0.3)
        check(f"the 2025-10 client was told its session ended ({ended and ended[0].get('reason')})",
              bool(ended) and ended[0].get("reason") == "joined_elsewhere")
    await player.close()

    status, body = post(host, "logout", {}, token=ada["token"])
    check(f"ada logged out over HTTP ({body})", status == 200 and body["logged_out"] == 1)
    late = Client2025(base_url=ada_url, character_id="ada-ship")
    code = await refused(late.join(character_id="ada-ship"))
    check(f"the logged-out token no longer joins ({code})", code == 401)
    await late.close()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as data:
        server = subprocess.Popen(
            [BANG, "serve", "--auth", "accounts", "--listen", "127.0.0.1:0", "--data", data],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        try:
            line = server.stdout.readline().strip()
            host = line.removeprefix("bang listening on ws://").removesuffix("/ws")
            asyncio.run(main(host))
        finally:
            server.terminate()
            server.wait()
