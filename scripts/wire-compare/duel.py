#!/usr/bin/env python3
"""The reference's own client (utils/api_client.AsyncGameClient) and NPC combat session
(npc/combat_session.CombatSession) fight a duel on a server: two characters join, one initiates,
both attack every round until combat.ended. Usage, with the reference venv (see run-reference):
    python scripts/wire-compare/duel.py http://127.0.0.1:PORT [REFERENCE_DIR]
"""
import asyncio
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "../../../shared/reference")
sys.path.insert(0, os.path.join(REFERENCE, "gradient-bang"))

from utils.api_client import AsyncGameClient  # noqa: E402
from npc.combat_session import CombatSession  # noqa: E402

URL = sys.argv[1]

async def fighter(name, other, start_first):
    client = AsyncGameClient(URL, character_id=name)
    status = await client.join(name)
    session = CombatSession(client, character_id=name, initial_status=status)
    session.start()
    if start_first:
        await asyncio.sleep(0.5)
        await client.combat_initiate(character_id=name)
    state = await session.wait_for_combat_start(timeout=10)
    rounds = 0
    while True:
        event, state, payload = await session.next_combat_event(timeout=30)
        if event == "combat.ended":
            break
        if event == "combat.round_waiting" and state.round > rounds:
            target = next((pid for pid in state.participants if pid != name), None)
            await client.combat_action(combat_id=state.combat_id, action="attack", commit=20,
                                       target_id=target, round_number=state.round)
            rounds += 1
    print(name, "fought", rounds, "rounds; result:", payload.get("result"), flush=True)
    await session.close()
    await client.close()

async def main():
    await asyncio.gather(fighter("npc_alice", "npc_bob", True), fighter("npc_bob", "npc_alice", False))

asyncio.run(main())
