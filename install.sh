#!/usr/bin/env bash
# 流动办事厅 Station — the one set-up script for a street laptop (apt-based systems).
#   ./install.sh         system packages, .venv, the `station` and `center` commands
#   ./install.sh --dev   the same, plus everything the test suite needs
# Safe to re-run: every step checks what is already there.
set -Eeuo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
dev=0
for arg in "$@"; do
  case "$arg" in
    --dev) dev=1 ;;
    -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "install.sh: 不认识的参数 / unknown option: $arg" >&2; exit 2 ;;
  esac
done

say()  { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\n安装失败 / install failed: %s\n' "$*" >&2; exit 1; }
trap 'fail "第 ${LINENO} 行的命令出错（见上面的输出）/ the command on line ${LINENO} failed (see the output above)"' ERR

# --- can we install system packages? ----------------------------------------------------
command -v apt-get >/dev/null 2>&1 \
  || fail "这台电脑不是基于 apt 的系统（Debian/Ubuntu/UOS/麒麟）/ this is not an apt-based system."
if [ "$(id -u)" -eq 0 ]; then
  SUDO=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null || sudo -v; then
  SUDO=(sudo)
else
  fail "需要 root 或 sudo 权限来安装系统软件包 / root or sudo is needed to install system packages."
fi

runtime_pkgs=(pcscd libpcsclite1 libpcsclite-dev cups-client libcups2-dev fonts-noto-cjk
              fonts-hanazono fonts-babelstone-han
              fontconfig python3 python3-venv python3-dev build-essential swig pkg-config)
dev_pkgs=(vsmartcard-vpcd cups printer-driver-cups-pdf poppler-utils tmux postgresql chromium
          nginx-light faketime)  # nginx: the reverse-proxy snippet in docs/deploy-centre.md is tested
# faketime: tests/sync/test_stations_report.py runs a centre days in the past
pkgs=("${runtime_pkgs[@]}")
[ "$dev" -eq 1 ] && pkgs+=("${dev_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "安装系统软件包 / installing system packages: ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
else
  say "系统软件包已齐全 / system packages already installed"
fi

# vpcd (the virtual reader used only by the tests) listens on every network interface;
# a street laptop must not keep Debian's default config for it. Tests bring their own.
# A dpkg diversion out of the folder (pcscd reads every file in it), so that a package
# upgrade does not bring it back.
if ! dpkg-divert --list /etc/reader.conf.d/vpcd 2>/dev/null | grep -q .; then
  if [ -e /etc/reader.conf.d/vpcd ] || [ "$dev" -eq 1 ]; then
    say "停用 vpcd 虚拟读卡器的系统配置 / diverting the system-wide vpcd reader config"
    "${SUDO[@]}" dpkg-divert --quiet --local --rename \
      --divert /etc/vpcd.reader.conf.disabled-by-station --add /etc/reader.conf.d/vpcd
    if command -v systemctl >/dev/null 2>&1; then
      "${SUDO[@]}" systemctl try-restart pcscd.service 2>/dev/null || true
    fi
  fi
fi

# --- Python -------------------------------------------------------------------------------
python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 \
     && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    python="$(command -v "$candidate")"; break
  fi
done
[ -n "$python" ] || fail "需要 Python 3.11 或更新版本 / Python 3.11 or newer is required."

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys' 2>/dev/null; then
  say "创建虚拟环境 .venv / creating .venv with $python"
  rm -rf .venv
  "$python" -m venv .venv
fi
say "安装 Python 依赖 / installing the project into .venv"
.venv/bin/python -m pip install -q --upgrade pip
if [ "$dev" -eq 1 ]; then
  .venv/bin/python -m pip install -q -e ".[dev]"
else
  .venv/bin/python -m pip install -q --upgrade .
fi
.venv/bin/python -c 'import station, center, stationq' \
  || fail "项目没有装好 / the project did not install (see pip's output above)."
# An editable install is not byte-compiled by pip: compile it now, so no command (and no
# test's subprocess) compiles the sources again at every start (PYTHONDONTWRITEBYTECODE).
if [ "$dev" -eq 1 ]; then
  .venv/bin/python -m compileall -q -j 0 station center shared queue/stationq >/dev/null \
    || fail "字节码编译失败 / byte-compiling the project failed."
fi

# Cut the receipt font subset once now, into the virtualenv's share/ folder that every user of
# this install reads (station/paths.py: shared_font_cache_dir), so no user's first receipt
# waits ~13 s of CPU for it.
say "准备回执字体 / preparing the receipt font"
.venv/bin/python -c 'from station.documents.fonts import prepare_shared_cache; prepare_shared_cache()' \
  || fail "没有找到中文字体 / the Chinese font could not be prepared (fonts-noto-cjk)."
# Rare given names (CJK Ext B–G) print from these; they are read only when a paper needs them.
.venv/bin/python -c 'import sys; from station.documents.coverage import find_fallbacks
sys.exit(0 if find_fallbacks() else 1)' \
  || fail "没有找到生僻字字体 / the rare-character fonts were not found (fonts-hanazono, fonts-babelstone-han)."

# --- commands on PATH ---------------------------------------------------------------------
if [ "$(id -u)" -eq 0 ]; then bindir=/usr/local/bin; else bindir="$HOME/.local/bin"; fi
mkdir -p "$bindir"
for cmd in station center; do
  ln -sfn "$here/.venv/bin/$cmd" "$bindir/$cmd"
done
say "命令已就绪 / commands linked: $bindir/station, $bindir/center"
case ":$PATH:" in
  *":$bindir:"*) ;;
  *) echo "提示 / note: 请把 $bindir 加入 PATH / add $bindir to your PATH." ;;
esac

if [ "$dev" -eq 1 ]; then
  say "开发和测试环境已就绪 / test tools ready: run .venv/bin/pytest"
else
  say "完成。运行 station 打开工作站 / done. Run: station"
fi
