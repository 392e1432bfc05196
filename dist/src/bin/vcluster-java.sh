# Sourced by the bin scripts: which java, with which options.
# A short-lived command: one compiler tier and the serial collector start fastest; the class data
# sharing archive, when the package built one, spares loading and verifying the same classes again.
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
  VC_JAVA="$JAVA_HOME/bin/java"
else
  VC_JAVA=/usr/bin/java
fi
VC_JAVA_OPTS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:-UsePerfData"
# FreeMarker would set java.util.logging up (its cost: docs/bench.md) to log what reaches the
# product as exceptions.
VC_JAVA_OPTS="$VC_JAVA_OPTS -Dorg.freemarker.loggerLibrary=none"
# bin/vcluster-cds makes the archive; one made for another install path is ignored quietly
# (its warning would otherwise land on stdout, in the middle of --dry-run's JSON).
# bin/vcluster-cds sets VC_CDS_DUMPING while it makes a new one: a dynamic archive is dumped on
# top of the JDK's base archive only, never of an older dynamic one.
if [ -f "$VC_HOME/lib/vcluster.jsa" ] && [ -z "${VC_CDS_DUMPING:-}" ]; then
  VC_JAVA_OPTS="$VC_JAVA_OPTS -XX:SharedArchiveFile=$VC_HOME/lib/vcluster.jsa -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off"
fi
# A site's own options come last, so that they win (e.g. -Xshare:off, as tests/bench/run.sh does).
VC_JAVA_OPTS="$VC_JAVA_OPTS ${VC_JAVA_EXTRA_OPTS:-}"
