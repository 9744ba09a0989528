#pragma once
// The parts of a case that say how the opening handshake goes: the tester's request changed
// ("handshake", server cases), its response changed ("handshake_response", client cases) and its
// permessage-deflate offers ("deflate"). Internal to engine/catalogue*.cpp.

#include <nlohmann/json.hpp>
#include <string>

#include "engine/catalogue.hpp"

namespace wsprobe::harness::catalogue_detail {

HandshakeSpec handshake_of(const nlohmann::json& h, const std::string& where);
HandshakeResponseSpec handshake_response_of(const nlohmann::json& h, const std::string& where);
DeflateSpec deflate_of(const nlohmann::json& d, const std::string& where);
HoldSpec hold_of(const nlohmann::json& h, const std::string& where);

}  // namespace wsprobe::harness::catalogue_detail
