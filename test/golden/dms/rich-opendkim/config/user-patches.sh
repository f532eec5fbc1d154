#!/bin/bash
set -euo pipefail
echo patched
