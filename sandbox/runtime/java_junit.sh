#!/bin/bash
# Compiles every .java file of the task with the JUnit runner, then runs the named test classes.
# Exit 97 with javac's messages on stderr when compilation fails.
set -u
CP="${REPAIRITY_JUNIT_CLASSPATH:-/usr/share/java/junit4.jar:/usr/share/java/hamcrest-core.jar}"
mkdir -p .repairity/classes
find . -name '*.java' -not -path './.repairity/*' > .repairity/sources.txt
if ! javac -nowarn -encoding UTF-8 -J-Xss8m -d .repairity/classes -cp "$CP" @.repairity/sources.txt .repairity/RepairityJUnitRunner.java; then
  echo "repairity: compilation failed" >&2
  exit 97
fi
exec java -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto -cp ".repairity/classes:$CP" RepairityJUnitRunner "$REPAIRITY_RESULT" "$@"
