#!/bin/bash -eu
# ClusterFuzzLite runs this; it is OSS-Fuzz's build script.
exec "$SRC/wsprobe/ci/oss-fuzz/build.sh"
