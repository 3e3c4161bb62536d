# shellcheck shell=sh
# Installed as /etc/profile.d/00-binderd-venv.sh by images/jupyter-base.
# Debian's /etc/profile resets PATH for login shells; put the server venv back.
case ":${PATH}:" in
    *:/opt/venv/bin:*) ;;
    *) PATH="/opt/venv/bin:${PATH}" ;;
esac
export PATH
