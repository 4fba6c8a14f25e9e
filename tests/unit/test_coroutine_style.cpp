// GCC 12 miscompiles a co_await inside a short-circuit or conditional expression (&&, ||, ?:): the coroutine
// resumes at a garbage index. The rule is one co_await per statement, with no &&, || or ?: beside it. This
// reads every C++ source of the project and names each statement that breaks it. A statement is the text
// between ';', '{' and '}', without comments, string and character literals; an rvalue reference (auto&&)
// in such a statement is reported too: write that lambda or declaration on its own.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

// The text with comments and literals blanked (newlines kept, so line numbers stay right).
std::string code_only(const std::string& src) {
    std::string out;
    out.reserve(src.size());
    enum { code, line_comment, block_comment, string, character, raw } state = code;
    std::string raw_end;
    for (std::size_t i = 0; i < src.size(); ++i) {
        char c = src[i];
        char next = i + 1 < src.size() ? src[i + 1] : '\0';
        switch (state) {
        case code:
            if (c == '/' && next == '/') {
                state = line_comment;
            } else if (c == '/' && next == '*') {
                state = block_comment;
                ++i;
            } else if (c == 'R' && next == '"' && (i == 0 || !std::isalnum(static_cast<unsigned char>(src[i - 1])))) {
                std::size_t open = src.find('(', i + 2);
                raw_end = ")" + src.substr(i + 2, open - (i + 2)) + "\"";
                state = raw;
                i = open;
                out += "\"\"";
                continue;
            } else if (c == '"') {
                state = string;
                out += "\"\"";
            } else if (c == '\'' && !(i > 0 && std::isxdigit(static_cast<unsigned char>(src[i - 1])))) {
                state = character;  // (a digit separator, 1'000, is not a character literal)
                out += "' '";
            } else {
                out += c;
            }
            break;
        case line_comment:
            if (c == '\n') {
                state = code;
                out += c;
            }
            break;
        case block_comment:
            if (c == '*' && next == '/') {
                state = code;
                ++i;
            } else if (c == '\n') {
                out += c;
            }
            break;
        case string:
            if (c == '\\') ++i;
            else if (c == '"') state = code;
            break;
        case character:
            if (c == '\\') ++i;
            else if (c == '\'') state = code;
            break;
        case raw:
            if (src.compare(i, raw_end.size(), raw_end) == 0) {
                i += raw_end.size() - 1;
                state = code;
            } else if (c == '\n') {
                out += c;
            }
            break;
        }
    }
    return out;
}

// "file:line: statement" for each statement with a co_await and a &&, || or ?.
std::vector<std::string> violations(const fs::path& file) {
    std::ifstream in(file);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string code = code_only(buffer.str());
    std::vector<std::string> found;
    std::size_t start = 0;
    int line = 1, start_line = 1;
    for (std::size_t i = 0; i <= code.size(); ++i) {
        if (i < code.size() && code[i] != ';' && code[i] != '{' && code[i] != '}') {
            if (code[i] == '\n') ++line;
            continue;
        }
        std::string statement = code.substr(start, i - start);
        if (statement.find("co_await") != std::string::npos &&
            (statement.find("&&") != std::string::npos || statement.find("||") != std::string::npos ||
             statement.find('?') != std::string::npos)) {
            // Reported at the line the statement's text starts on, flattened.
            int at = start_line;
            std::size_t first = statement.find_first_not_of(" \t\n");
            for (std::size_t k = 0; k < first; ++k) at += statement[k] == '\n';
            std::string flat;
            for (char c : statement.substr(first)) flat += (c == '\n' || c == '\t') ? ' ' : c;
            found.push_back(file.string() + ":" + std::to_string(at) + ": " + flat.substr(0, 200));
        }
        start = i + 1;
        start_line = line;
    }
    return found;
}

std::vector<fs::path> project_sources() {
    std::vector<fs::path> files;
    for (const char* dir : {"protocol", "probes", "scenarios", "cli", "tests", "bench", "fuzz"}) {
        fs::path root = fs::path(VPNPROBE_SOURCE_DIR) / dir;
        if (!fs::exists(root)) continue;
        for (const auto& entry : fs::recursive_directory_iterator(root)) {
            auto ext = entry.path().extension();
            if (entry.is_regular_file() && (ext == ".cpp" || ext == ".hpp")) files.push_back(entry.path());
        }
    }
    return files;
}

TEST(CoroutineStyle, TheCheckSeesWhatItLooksFor) {
    const fs::path dir = fs::temp_directory_path() / ("vpnprobe-co-await-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path bad = dir / "bad.cpp";
    std::ofstream(bad) << "bool ok = a && co_await f();\n"
                          "x = y ? co_await g() : 0;\n"
                          "if (co_await h() || z) {}\n";
    const fs::path good = dir / "good.cpp";
    std::ofstream(good) << "// a && co_await in a comment\n"
                           "bool ok = co_await f();\n"
                           "if (ok) ok = co_await g(\"a && b ? c\", '?');\n"
                           "/* co_await x && y */ int n = 1'000;\n"
                           "auto s = R\"(co_await && ?)\";\n";
    auto in_bad = violations(bad);
    auto in_good = violations(good);
    fs::remove_all(dir);
    EXPECT_EQ(in_bad.size(), 3u);
    EXPECT_TRUE(in_good.empty()) << in_good.front();
}

TEST(CoroutineStyle, NoCoAwaitBesideAndOrOrConditional) {
    auto files = project_sources();
    ASSERT_GT(files.size(), 50u) << "the sources were not found under " << VPNPROBE_SOURCE_DIR;
    std::vector<std::string> found;
    for (const auto& f : files) {
        if (f.filename() == "test_coroutine_style.cpp") continue;  // its examples are the point
        for (auto& v : violations(f)) found.push_back(std::move(v));
    }
    std::string all;
    for (const auto& v : found) all += v + "\n";
    EXPECT_TRUE(found.empty()) << "co_await beside &&, || or ?: (GCC 12 miscompiles it; one co_await per "
                                  "statement):\n"
                               << all;
}

}  // namespace
