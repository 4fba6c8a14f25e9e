// Reads a test-vector file of "name = value" lines ('#' starts a comment), as the scripts under tests/data
// print them, so that a test compares against the checked-in output of an independent computation.
#pragma once

#include <fstream>
#include <map>
#include <stdexcept>
#include <string>

namespace vpnprobe::testsupport {

inline std::map<std::string, std::string> read_vector_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::map<std::string, std::string> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto eq = line.find(" = ");
        if (eq == std::string::npos) throw std::runtime_error(path + ": not \"name = value\": " + line);
        out[line.substr(0, eq)] = line.substr(eq + 3);
    }
    return out;
}

}  // namespace vpnprobe::testsupport
