#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script. Follows their contract: compilers and flags from
# $CC $CXX $CFLAGS $CXXFLAGS, the engine from $LIB_FUZZING_ENGINE, sources under $SRC, scratch in
# $WORK, everything a target needs in $OUT: <target>, <target>.dict, <target>.options and
# <target>_seed_corpus.zip (seeds and regressions).
src="${WSPROBE_SRC:-$SRC/wsprobe}"
build="$WORK/wsprobe-fuzz"

# CMAKE_BUILD_TYPE=None: the engine's flags only, no -O3 of our own. OpenSSL is linked
# statically, as OSS-Fuzz wants.
cmake -S "$src" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DWSPROBE_FUZZ=ON -DWSPROBE_FUZZ_ENGINE="$LIB_FUZZING_ENGINE" \
  -DWSPROBE_TESTS=OFF -DWSPROBE_BENCH=OFF -DWSPROBE_HARNESS=OFF -DOPENSSL_USE_STATIC_LIBS=TRUE
cmake --build "$build" --target fuzzers

zip_dir() {  # zip_dir ZIP DIR: the files under DIR, flat, as OSS-Fuzz unpacks them
  if command -v zip >/dev/null; then
    (cd "$2" && find . -type f -print | zip -q -j "$1" -@)
  else
    python3 - "$1" "$2" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for root, _, files in os.walk(sys.argv[2]):
        for f in files:
            z.write(os.path.join(root, f), f)
PY
  fi
}

for target in "$build"/fuzzers/*; do
  name=$(basename "$target")
  cp "$target" "$OUT/$name"
  cp "$src/fuzz/$name.dict" "$src/fuzz/$name.options" "$OUT/"
  rm -f "$OUT/${name}_seed_corpus.zip"
  zip_dir "$OUT/${name}_seed_corpus.zip" "$src/corpus/$name"
done
