#!/usr/bin/env bash
# Fills DATA_DIR (default data/) with MNIST, and Fashion-MNIST when its Debian package is
# installed. MNIST comes from ../shared/data/mnist when that exists (the team's machines),
# else from a public mirror. Every file is checked against the SHA-256 of its uncompressed
# content, which is the same whatever the mirror or compression.
set -euo pipefail

DATA_DIR=${1:-data}
here=$(cd "$(dirname "$0")/.." && pwd)
shared="$here/../shared/data/mnist"
mirrors=(
  "https://ossci-datasets.s3.amazonaws.com/mnist"
  "https://storage.googleapis.com/cvdf-datasets/mnist"
)
declare -A sha=(
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
)

content_sha() {  # SHA-256 of a file's content, decompressed if it is gzip (magic bytes 1f 8b)
  if [ "$(od -An -tx1 -N2 "$1" | tr -d ' ')" = "1f8b" ]; then
    gzip -dc "$1" | sha256sum | cut -d' ' -f1
  else
    sha256sum "$1" | cut -d' ' -f1
  fi
}

mkdir -p "$DATA_DIR/mnist"
for name in "${!sha[@]}"; do
  dest="$DATA_DIR/mnist/$name.gz"
  if [ -f "$dest" ] && [ "$(content_sha "$dest")" = "${sha[$name]}" ]; then
    continue
  fi
  rm -f "$dest"
  if [ -f "$shared/$name.gz" ]; then
    cp "$shared/$name.gz" "$dest.part"
  elif [ -f "$shared/$name" ]; then
    gzip -c "$shared/$name" > "$dest.part"
  else
    ok=0
    for m in "${mirrors[@]}"; do
      echo "fetching $m/$name.gz" >&2
      if curl -fsSL --retry 2 -o "$dest.part" "$m/$name.gz"; then ok=1; break; fi
    done
    [ $ok = 1 ] || { echo "error: could not download $name.gz from any mirror; copy the MNIST files into $DATA_DIR/mnist by hand" >&2; exit 3; }
  fi
  got=$(content_sha "$dest.part")
  if [ "$got" != "${sha[$name]}" ]; then
    rm -f "$dest.part"
    echo "error: $name has SHA-256 $got, expected ${sha[$name]}; the source is damaged" >&2
    exit 3
  fi
  chmod u+w "$dest.part"
  mv "$dest.part" "$dest"
done
echo "MNIST ready in $DATA_DIR/mnist" >&2

# Fashion-MNIST: Debian's dataset-fashion-mnist package, when installed.
for dir in /usr/share/dataset-fashion-mnist /usr/share/fashion-mnist /usr/share/datasets/fashion-mnist; do
  if [ -d "$dir" ] && [ ! -e "$DATA_DIR/fashion-mnist" ]; then
    ln -s "$dir" "$DATA_DIR/fashion-mnist"
    echo "Fashion-MNIST linked from $dir" >&2
  fi
done

# CIFAR-10 (binary version): linked from ../shared/data when it is there, after checking the
# training batches against the official SHA-256 (the download is 160 MB; fetch it by hand
# elsewhere: https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz).
cifar_shared="$here/../shared/data/cifar-10-batches-bin"
declare -A cifar_sha=(
  [data_batch_1.bin]=cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5
  [data_batch_2.bin]=a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed
  [data_batch_3.bin]=bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67
  [data_batch_4.bin]=014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48
  [data_batch_5.bin]=755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add
)
if [ -d "$cifar_shared" ] && [ ! -e "$DATA_DIR/cifar-10-batches-bin" ]; then
  for name in "${!cifar_sha[@]}"; do
    got=$(sha256sum "$cifar_shared/$name" | cut -d' ' -f1)
    if [ "$got" != "${cifar_sha[$name]}" ]; then
      echo "error: $cifar_shared/$name has SHA-256 $got, expected ${cifar_sha[$name]}; not linking CIFAR-10" >&2
      exit 3
    fi
  done
  ln -s "$cifar_shared" "$DATA_DIR/cifar-10-batches-bin"
  echo "CIFAR-10 linked from $cifar_shared" >&2
fi

# IMDB (Maas et al. 2011): linked from ../shared/data when it is there, after checking the
# official vocabulary's SHA-256. Its labeledBow.feat files there are a faithful rebuild, not the
# official bytes (see ../shared/data/README.md); elsewhere download and unpack
# https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz into DATA_DIR by hand.
imdb_shared="$here/../shared/data/aclImdb"
imdb_vocab_sha=01a13a306bd9e5a7826b8a0fc25a7a6017f143d86c1582f17857bb731fd252dc
if [ -d "$imdb_shared" ] && [ ! -e "$DATA_DIR/aclImdb" ]; then
  got=$(sha256sum "$imdb_shared/imdb.vocab" | cut -d' ' -f1)
  if [ "$got" != "$imdb_vocab_sha" ]; then
    echo "error: $imdb_shared/imdb.vocab has SHA-256 $got, expected $imdb_vocab_sha; not linking IMDB" >&2
    exit 3
  fi
  ln -s "$imdb_shared" "$DATA_DIR/aclImdb"
  echo "IMDB linked from $imdb_shared" >&2
fi
