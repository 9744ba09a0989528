#pragma once
// The catalogue's generated payloads ({"data": NAME, "size": N, "seed": S}), made when it loads.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace wsprobe::harness {

// Named data sets of a given size, the same bytes on every machine and run: "ascii" (printable),
// "utf8-mixed" (valid UTF-8 mixing 1- to 4-byte sequences, RFC 6455 8.1) and "binary-random";
// and the documents permessage-deflate is tested with (RFC 7692, Autobahn's 12.x kinds, our own
// generation): "json-document" and "html-document" (ASCII only), "bitmap-512" (an 8-bit
// greyscale 512x512 BMP, 263,222 bytes), "german-text" (verse in UTF-8, umlauts included; a cut
// may split a character) and "pdf-document" (PDF structure around incompressible streams).
// An unknown name throws std::invalid_argument.
std::vector<uint8_t> data_set(const std::string& name, size_t size, uint64_t seed);

}  // namespace wsprobe::harness
