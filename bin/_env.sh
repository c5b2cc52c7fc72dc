# Shared by bin/demo and bin/test: make .venv and install the project into it when needed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
PYTHON=${PYTHON:-python3}
VENV="$ROOT/.venv"

ensure_venv() {  # $1: extras, e.g. "" or "[test]"
    local extras=${1:-}
    if [ ! -x "$VENV/bin/python" ]; then
        echo "→ Creating the virtual environment in .venv"
        "$PYTHON" -m venv "$VENV"
        "$VENV/bin/pip" install --quiet --upgrade pip
    fi
    # Reinstall only when pyproject.toml changed since the last install with these extras.
    local stamp="$VENV/.installed${extras}"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
        echo "→ Installing kiemdiem${extras} and its dependencies"
        "$VENV/bin/pip" install --quiet --disable-pip-version-check -e ".${extras}"
        touch "$stamp"
    fi
    "$VENV/bin/python" manage.py compile_translations --verbosity 0
}
