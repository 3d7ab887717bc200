"""The load generator: posts VOTES votes (default 10) to VOTE_URL with curl."""

import os
import random
import subprocess
import sys

url = os.environ.get("VOTE_URL", "http://localhost:8000/vote")
count = int(os.environ.get("VOTES", "10"))
failed = 0
for _ in range(count):
    choice = random.choice(("cats", "dogs"))
    result = subprocess.run(["curl", "-fsS", "-d", f"vote={choice}", url], capture_output=True)
    failed += result.returncode != 0
print(f"loadgen: {count - failed} of {count} votes accepted", flush=True)
sys.exit(1 if failed else 0)
