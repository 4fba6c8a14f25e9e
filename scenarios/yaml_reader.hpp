// Reading a scenario file's YAML with messages that point at the place: the loader and each probe kind's
// adapter (scenarios/kinds/) read their parts with it, so every part refuses bad input in the same words.
#pragma once

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "probes/limits.hpp"
#include "scenarios/scenario_loader.hpp"

namespace vpnprobe::scenarios {

inline Mark mark_of(const YAML::Node& n) {
    auto m = n.Mark();
    if (m.line < 0) return {};
    return Mark{m.line + 1, m.column + 1};
}

// Thrown inside one entry; the reader records it and goes on with the next entry.
struct EntryFailed {};

class YamlReader {
public:
    explicit YamlReader(std::string file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& message) { fail(mark_of(at), message); }
    [[noreturn]] void fail(Mark at, const std::string& message) {
        problems_.push_back(ScenarioProblem{file_, at, message});
        throw EntryFailed{};
    }
    void note(Mark at, const std::string& message) { problems_.push_back(ScenarioProblem{file_, at, message}); }
    const std::vector<ScenarioProblem>& problems() const { return problems_; }
    const std::string& file() const { return file_; }
    // The folder of the scenario file, which relative paths in it are relative to ("" when unknown).
    std::filesystem::path folder() const { return std::filesystem::path(file_).parent_path(); }

    // Runs one entry; a problem in it is recorded and the entry skipped.
    template <typename F>
    void entry(F&& f) {
        try {
            f();
        } catch (const EntryFailed&) {}
    }

    void expect_map(const YAML::Node& n, const std::string& what) {
        if (!n.IsMap()) fail(n, what + " must be a mapping (key: value lines)");
    }
    void expect_sequence(const YAML::Node& n, const std::string& what) {
        if (!n.IsSequence()) fail(n, what + " must be a list (lines starting with '- ')");
    }
    // Every key of `n` must be one of `allowed`; the message lists them.
    void only_keys(const YAML::Node& n, const std::set<std::string>& allowed, const std::string& where) {
        for (auto it = n.begin(); it != n.end(); ++it) {
            std::string key = it->first.as<std::string>();
            if (!allowed.count(key)) {
                std::string list;
                for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
                fail(it->first, "unknown key '" + key + "' in " + where + " (expected one of: " + list + ")");
            }
        }
    }
    YAML::Node required(const YAML::Node& n, const std::string& key, const std::string& where) {
        YAML::Node v = n[key];
        if (!v) fail(n, where + " needs '" + key + "'");
        return v;
    }

    std::string string(const YAML::Node& n, const std::string& what) {
        if (!n.IsScalar()) fail(n, what + " must be a string");
        return n.Scalar();
    }
    // A string that names something (a namespace, an address, a file, a host): empty is never "none".
    std::string nonempty(const YAML::Node& n, const std::string& what) {
        std::string v = string(n, what);
        if (v.empty()) fail(n, what + " must not be empty (leave the key out instead)");
        return v;
    }
    // NaN and the infinities (YAML's .nan, .inf) are numbers to yaml-cpp; never in any range here.
    double number(const YAML::Node& n, const std::string& what, double min, double max) {
        double v = 0;
        if (!n.IsScalar() || !YAML::convert<double>::decode(n, v))
            fail(n, what + " must be a number, not '" + describe(n) + "'");
        if (!probes::in_range(v, min, max))
            fail(n, what + " must be from " + probes::readable_number(min) + " to " + probes::readable_number(max) +
                        ", not '" + n.Scalar() + "'");
        return v;
    }
    long integer(const YAML::Node& n, const std::string& what, long min, long max) {
        long v = 0;
        if (!n.IsScalar() || !YAML::convert<long>::decode(n, v))
            fail(n, what + " must be a whole number, not '" + describe(n) + "'");
        if (v < min || v > max) fail(n, what + " must be from " + std::to_string(min) + " to " + std::to_string(max));
        return v;
    }
    bool boolean(const YAML::Node& n, const std::string& what) {
        bool v = false;
        if (!n.IsScalar() || !YAML::convert<bool>::decode(n, v))
            fail(n, what + " must be true or false, not '" + describe(n) + "'");
        return v;
    }
    // A string or a list of strings.
    std::vector<std::string> strings(const YAML::Node& n, const std::string& what) {
        if (n.IsScalar()) return {n.Scalar()};
        if (!n.IsSequence()) fail(n, what + " must be a string or a list of strings");
        std::vector<std::string> out;
        for (const auto& x : n) out.push_back(string(x, "each entry of " + what));
        return out;
    }

private:
    static std::string describe(const YAML::Node& n) {
        if (n.IsScalar()) return n.Scalar();
        if (n.IsSequence()) return "a list";
        if (n.IsMap()) return "a mapping";
        return "nothing";
    }
    std::string file_;
    std::vector<ScenarioProblem> problems_;
};

}  // namespace vpnprobe::scenarios
