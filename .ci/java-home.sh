# Sourced by ./tarflow and .ci/run: finds a JDK 25 (JAVA_HOME if it is one, else Temurin 25's usual place).
tarflow_is_jdk25() { [ -x "$1/bin/java" ] && "$1/bin/java" -version 2>&1 | head -1 | grep -q '"25'; }
if [ -n "${JAVA_HOME:-}" ] && tarflow_is_jdk25 "$JAVA_HOME"; then
  :
elif tarflow_is_jdk25 /usr/lib/jvm/temurin-25-jdk-amd64; then
  export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
else
  echo "error: tarflow needs JDK 25. Set JAVA_HOME to a JDK 25 installation (JAVA_HOME is '${JAVA_HOME:-unset}'," >&2
  echo "       and /usr/lib/jvm/temurin-25-jdk-amd64 does not exist); e.g. install Temurin 25 from adoptium.net." >&2
  exit 1
fi
