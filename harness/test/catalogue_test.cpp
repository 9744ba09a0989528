// The case catalogue's loader, generators, dump and selection rules.

#include "engine/catalogue.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

namespace wsprobe::harness {
namespace {

using nlohmann::json;

std::string sha256_hex(const std::string& text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += digits[md[i] >> 4];
    out += digits[md[i] & 0xF];
  }
  return out;
}

// What a case does and how it is judged: the dump without the fields that only document it.
std::string behaviour_digest(json c) {
  for (const char* documentation : {"file", "requirement", "rfc_text", "slow"})
    c.erase(documentation);
  return sha256_hex(c.dump());
}

Catalogue builtin() {
  std::string error;
  auto cat = load_catalogue(CatalogueOptions{}, error);
  EXPECT_TRUE(cat) << error;
  return cat ? *cat : Catalogue{};
}

// The built-in catalogue loads to exactly the cases of the snapshot (harness/test/
// catalogue_snapshot.json, taken before the case files were rewritten with generators and
// structured fields): same ids, steps, expectations and close rules. WSPROBE_UPDATE_SNAPSHOT=1
// rewrites the snapshot from the current catalogue.
TEST(CatalogueSnapshot, BuiltInCasesMatchTheSnapshot) {
  const json dump = dump_cases(builtin());
  json now = json::object();
  for (const auto& c : dump["cases"])
    now[c["id"].get<std::string>()] = behaviour_digest(c);
  if (std::getenv("WSPROBE_UPDATE_SNAPSHOT") != nullptr) {
    std::ofstream(WSPROBE_CATALOGUE_SNAPSHOT) << json{{"cases", now}}.dump(1) << "\n";
    GTEST_SKIP() << "snapshot rewritten";
  }
  std::ifstream in(WSPROBE_CATALOGUE_SNAPSHOT);
  ASSERT_TRUE(in) << "no snapshot at " << WSPROBE_CATALOGUE_SNAPSHOT;
  const json snapshot = json::parse(in)["cases"];
  std::vector<std::string> missing, added, changed;
  for (const auto& [id, digest] : snapshot.items()) {
    if (!now.contains(id)) {
      missing.push_back(id);
    } else if (now[id] != digest) {
      changed.push_back(id);
    }
  }
  for (const auto& [id, digest] : now.items()) {
    if (!snapshot.contains(id)) added.push_back(id);
  }
  EXPECT_TRUE(missing.empty()) << "cases gone: " << json(missing).dump();
  EXPECT_TRUE(added.empty()) << "cases new: " << json(added).dump();
  EXPECT_TRUE(changed.empty()) << "cases changed: " << json(changed).dump();
}

}  // namespace
}  // namespace wsprobe::harness
