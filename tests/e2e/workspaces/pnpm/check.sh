#!/usr/bin/env bash
# The node template in workspace mode on this pnpm workspace: see ../../node-checks/workspace-check.sh.
exec "$(dirname "$0")/../../node-checks/workspace-check.sh" pnpm
