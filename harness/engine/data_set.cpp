#include "engine/data_set.hpp"

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>
#include <string_view>

namespace wsprobe::harness {
namespace {

// splitmix64: a generated data set is the same bytes on every machine and every run.
struct DataRandom {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
};

// Appends the UTF-8 encoding of `cp` (a scalar value: not a surrogate, at most U+10FFFF).
void append_utf8(std::vector<uint8_t>& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<uint8_t>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<uint8_t>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<uint8_t>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<uint8_t>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<uint8_t>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<uint8_t>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<uint8_t>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<uint8_t>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<uint8_t>(0x80 | (cp & 0x3F)));
  }
}

// The five kinds of document permessage-deflate is tested with (Autobahn's 12.x: a JSON file, a
// 512x512 bitmap, German text, an HTML page, a PDF), made here with the same kind of redundancy,
// nothing copied. Each appends until `size` bytes are there (the caller cuts the rest).
void append(std::vector<uint8_t>& out, std::string_view text) {
  out.insert(out.end(), text.begin(), text.end());
}

template <size_t N>
std::string_view pick(DataRandom& rng, const std::array<std::string_view, N>& words) {
  return words[rng.next() % N];
}

// Plain English-like words, ASCII only, for the JSON and HTML documents.
constexpr std::array<std::string_view, 48> english{
    "alpha",   "river",   "stone",   "market", "window",  "signal", "garden",  "silver",
    "north",   "planet",  "copper",  "harbor", "little",  "quiet",  "engine",  "orange",
    "winter",  "bridge",  "forest",  "paper",  "system",  "yellow", "thunder", "valley",
    "number",  "mirror",  "station", "basket", "morning", "island", "rocket",  "shadow",
    "lantern", "meadow",  "circle",  "record", "travel",  "simple", "gentle",  "frame",
    "velvet",  "compass", "ribbon",  "canvas", "summit",  "ember",  "harvest", "pixel"};

void sentence(DataRandom& rng, std::vector<uint8_t>& out, size_t words) {
  for (size_t i = 0; i < words; ++i) {
    std::string w(pick(rng, english));
    if (i == 0) w[0] = static_cast<char>(w[0] - 'a' + 'A');
    append(out, w);
    append(out, i + 1 == words ? "." : (rng.next() % 9 == 0 ? ", " : " "));
  }
}

std::string number(uint64_t v) {
  return std::to_string(v);
}

// A JSON array of records, pretty-printed, as APIs return them: ASCII only (non-ASCII would be
// \u-escaped), so any window of it is valid UTF-8 and its characters are its bytes. Every draw is
// a statement of its own: the order in which a call's arguments (operator+'s included) are
// evaluated is unspecified, and gcc and clang differ.
void json_document(DataRandom& rng, std::vector<uint8_t>& out, size_t size) {
  auto draw = [&](uint64_t below) { return number(rng.next() % below); };
  auto word = [&] { return std::string(pick(rng, english)); };
  append(out, "[\n");
  for (uint64_t id = 0; out.size() < size; ++id) {
    const std::string first = word();
    const std::string last = word();
    append(out, "  {\n    \"id\": " + number(id) + ",\n    \"guid\": \"");
    for (int i = 0; i < 4; ++i) {
      if (i != 0) append(out, "-");
      append(out, number(rng.next() % 90000000 + 10000000));
    }
    append(out, "\",\n    \"isActive\": ");
    append(out, rng.next() % 2 ? "true" : "false");
    append(out, ",\n    \"balance\": \"$" + draw(4000));
    append(out, "." + number(10 + rng.next() % 90));
    append(out, "\",\n    \"age\": " + number(18 + rng.next() % 60));
    const std::string host = word();
    append(out, ",\n    \"name\": \"" + first + " " + last + "\",\n    \"email\": \"" + first +
                    "." + last + "@" + host + ".com\"");
    append(out, ",\n    \"about\": \"");
    sentence(rng, out, 12 + rng.next() % 20);
    append(out, "\",\n    \"registered\": \"20" + number(10 + rng.next() % 16));
    append(out, "-0" + number(1 + rng.next() % 9));
    append(out, "-1" + draw(10));
    append(out, "T0" + draw(10));
    append(out, ":1" + draw(10) + ":00\"");
    append(out, ",\n    \"latitude\": " + draw(90));
    append(out, "." + number(100000 + rng.next() % 900000) + ",\n    \"tags\": [");
    for (int t = 0; t < 5; ++t)
      append(out, (t == 0 ? "\"" : ", \"") + word() + "\"");
    append(out, "],\n    \"friends\": [\n");
    for (int f = 0; f < 3; ++f) {
      const std::string given = word();
      const std::string family = word();
      append(out, "      {\"id\": " + number(f) + ", \"name\": \"" + given + " " + family + "\"}" +
                      (f < 2 ? ",\n" : "\n"));
    }
    append(out, "    ]\n  },\n");
  }
}

// An 8-bit greyscale BMP of 512x512 pixels (a 1,078-byte header and palette, then 262,144
// pixels): smooth value noise at two scales plus grain, as a photograph compresses.
void bitmap_document(DataRandom& rng, std::vector<uint8_t>& out) {
  constexpr uint32_t side = 512;
  constexpr uint32_t offset = 14 + 40 + 1024;
  constexpr uint32_t file_size = offset + side * side;
  auto le = [&out](uint32_t v, int bytes) {
    for (int i = 0; i < bytes; ++i)
      out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  append(out, "BM");
  le(file_size, 4), le(0, 4), le(offset, 4);                // BITMAPFILEHEADER
  le(40, 4), le(side, 4), le(side, 4), le(1, 2), le(8, 2);  // BITMAPINFOHEADER
  le(0, 4), le(side * side, 4), le(2835, 4), le(2835, 4), le(256, 4), le(256, 4);
  for (uint32_t g = 0; g < 256; ++g)
    le(g * 0x010101U, 4);  // a grey palette: blue, green, red, 0
  // Value noise: random levels on a coarse and a fine grid, interpolated bilinearly.
  auto grid = [&rng](uint32_t cells, uint32_t amplitude) {
    std::vector<uint32_t> g((cells + 1) * (cells + 1));
    for (auto& v : g)
      v = static_cast<uint32_t>(rng.next() % amplitude);
    return g;
  };
  const auto coarse = grid(8, 192);
  const auto fine = grid(64, 48);
  auto sample = [](const std::vector<uint32_t>& g, uint32_t cells, uint32_t x, uint32_t y) {
    const uint32_t step = side / cells;
    const uint32_t cx = x / step;
    const uint32_t cy = y / step;
    const uint32_t fx = x % step;
    const uint32_t fy = y % step;
    const uint32_t w = cells + 1;
    const uint32_t top = g[cy * w + cx] * (step - fx) + g[cy * w + cx + 1] * fx;
    const uint32_t bottom = g[(cy + 1) * w + cx] * (step - fx) + g[(cy + 1) * w + cx + 1] * fx;
    return (top * (step - fy) + bottom * fy) / (step * step);
  };
  for (uint32_t y = 0; y < side; ++y) {
    for (uint32_t x = 0; x < side; ++x) {
      const uint32_t v =
          sample(coarse, 8, x, y) + sample(fine, 64, x, y) + static_cast<uint32_t>(rng.next() % 7);
      out.push_back(static_cast<uint8_t>(std::min<uint32_t>(v, 255)));
    }
  }
}

// German words, umlauts and sharp s included (UTF-8), for verse as a play prints it.
constexpr std::array<std::string_view, 64> german{
    "und",     "der",      "die",     "das",     "nicht",  "ich",    "du",       "wir",
    "Herz",    "Welt",     "Nacht",   "Geist",   "über",   "müssen", "schön",    "Größe",
    "hören",   "Tür",      "Träume",  "Mädchen", "Fuß",    "weiß",   "früh",     "zurück",
    "König",   "Glück",    "Wünsche", "Bücher",  "immer",  "wieder", "Himmel",   "Erde",
    "Licht",   "Schatten", "gehen",   "kommen",  "sehen",  "leben",  "Wasser",   "Feuer",
    "Stunde",  "ewig",     "Freude",  "Schmerz", "Straße", "Stadt",  "Brüder",   "spät",
    "während", "doch",     "noch",    "schon",   "für",    "mit",    "auf",      "dem",
    "ein",     "eine",     "sein",    "mein",    "dein",   "Blüte",  "Frühling", "fröhlich"};
constexpr std::array<std::string_view, 6> speakers{"DER WANDERER.", "DIE STIMME.", "DER ALTE.",
                                                   "GRETE.",        "CHOR.",       "DER SCHÜLER."};

void german_text(DataRandom& rng, std::vector<uint8_t>& out, size_t size) {
  while (out.size() < size) {
    append(out, "\n");
    append(out, pick(rng, speakers));
    append(out, "\n");
    for (uint64_t lines = 2 + rng.next() % 8; lines > 0; --lines) {
      for (uint64_t words = 4 + rng.next() % 6, i = 0; i < words; ++i) {
        std::string w(pick(rng, german));
        if (i == 0 && w[0] >= 'a' && w[0] <= 'z') w[0] = static_cast<char>(w[0] - 'a' + 'A');
        append(out, w);
        append(out, i + 1 < words ? " " : (rng.next() % 3 == 0 ? "!\n" : ",\n"));
      }
    }
  }
}

// An HTML page of sections, lists, links and tables: ASCII only, like json_document.
void html_document(DataRandom& rng, std::vector<uint8_t>& out, size_t size) {
  append(out,
         "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<title>Generated page</title>\n<link rel=\"stylesheet\" href=\"/css/site.css\">\n"
         "</head>\n<body>\n<div id=\"content\" class=\"container\">\n");
  for (uint64_t section = 0; out.size() < size; ++section) {
    append(out, "<div class=\"section\" id=\"s" + number(section) + "\">\n<h2>");
    sentence(rng, out, 3 + rng.next() % 4);
    append(out, "</h2>\n<p>");
    sentence(rng, out, 20 + rng.next() % 30);
    const std::string link(pick(rng, english));
    append(out, " See <a href=\"/" + link + "/" + number(section) + ".html\">" + link +
                    "</a> &amp; more.</p>\n<ul>\n");
    for (uint64_t i = 0, n = 2 + rng.next() % 5; i < n; ++i) {
      append(out, "  <li class=\"item\">");
      sentence(rng, out, 3 + rng.next() % 6);
      append(out, "</li>\n");
    }
    append(out, "</ul>\n<table class=\"data\">\n");
    for (uint64_t row = 0, rows = 2 + rng.next() % 4; row < rows; ++row) {
      append(out, "  <tr>");
      for (int col = 0; col < 4; ++col)
        append(out, "<td>" + number(rng.next() % 100000) + "</td>");
      append(out, "</tr>\n");
    }
    append(out, "</table>\n</div>\n");
  }
}

// A PDF's shape: a text header, page dictionaries, short content streams in the clear and long
// Flate streams (random bytes: compressed data does not compress again), cross references.
void pdf_document(DataRandom& rng, std::vector<uint8_t>& out, size_t size) {
  append(out, "%PDF-1.5\n%\xE2\xE3\xCF\xD3\n");
  for (uint64_t obj = 1; out.size() < size; obj += 3) {
    append(out, number(obj) + " 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] " +
                    "/Resources << /Font << /F1 " + number(obj + 1) + " 0 R >> >> /Contents " +
                    number(obj + 2) + " 0 R >>\nendobj\n");
    append(out, number(obj + 1) + " 0 obj\n<< /Length 96 >>\nstream\nBT /F1 12 Tf 72 " +
                    number(400 + rng.next() % 300) + " Td (");
    sentence(rng, out, 6);
    append(out, ") Tj ET\nendstream\nendobj\n");
    const uint64_t length = 512 + rng.next() % 4096;
    append(out, number(obj + 2) + " 0 obj\n<< /Length " + number(length) +
                    " /Filter /FlateDecode >>\nstream\n");
    for (uint64_t i = 0; i < length; ++i)
      out.push_back(static_cast<uint8_t>(rng.next()));
    append(out, "\nendstream\nendobj\n");
    if (obj % 60 == 1) {
      append(out, "xref\n" + number(obj) + " 3\n");
      for (int i = 0; i < 3; ++i)
        append(out, "00000" + number(10000 + rng.next() % 90000) + " 00000 n \n");
    }
  }
}

}  // namespace

std::vector<uint8_t> data_set(const std::string& name, size_t size, uint64_t seed) {
  DataRandom rng{seed};
  std::vector<uint8_t> out;
  out.reserve(size + 3);
  if (name == "ascii") {
    while (out.size() < size)
      out.push_back(static_cast<uint8_t>(0x20 + rng.next() % 95));
  } else if (name == "binary-random") {
    while (out.size() < size)
      out.push_back(static_cast<uint8_t>(rng.next()));
  } else if (name == "utf8-mixed") {
    static constexpr uint32_t first[] = {0x20, 0x80, 0x800, 0x10000};
    static constexpr uint32_t span[] = {0x5F, 0x780, 0xF800, 0x100000};
    while (out.size() < size) {
      const size_t room = size - out.size();
      const size_t len = 1 + rng.next() % std::min<size_t>(4, room);  // fits the room left
      uint32_t cp = first[len - 1] + static_cast<uint32_t>(rng.next() % span[len - 1]);
      if (cp >= 0xD800 && cp < 0xE000) cp -= 0x800;  // never a surrogate
      append_utf8(out, cp);
    }
  } else if (name == "json-document") {
    json_document(rng, out, size);
  } else if (name == "bitmap-512") {
    bitmap_document(rng, out);
    // Another size: the image repeated or cut.
    for (size_t at = 0; out.size() < size; ++at)
      out.push_back(out[at]);
  } else if (name == "german-text") {
    german_text(rng, out, size);
  } else if (name == "html-document") {
    html_document(rng, out, size);
  } else if (name == "pdf-document") {
    pdf_document(rng, out, size);
  } else {
    throw std::invalid_argument("unknown data set '" + name +
                                "' (ascii, utf8-mixed, binary-random, json-document, bitmap-512, "
                                "german-text, html-document, pdf-document)");
  }
  out.resize(std::min(out.size(), size));
  return out;
}

}  // namespace wsprobe::harness
