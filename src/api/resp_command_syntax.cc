#include "api/resp_command_syntax.h"

#include <cctype>
#include <utility>

namespace ringkv::api {
namespace {

// Nesting of brackets beyond this is a mistake in a table entry, not a real command.
constexpr int kDepthMax = 8;

bool is_token_word(std::string_view word) {
  bool letter = false;
  for (const char c : word) {
    if (std::islower(static_cast<unsigned char>(c))) return false;
    letter = letter || std::isupper(static_cast<unsigned char>(c));
  }
  return letter;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

class SyntaxParser {
 public:
  explicit SyntaxParser(std::string_view syntax) : syntax_(syntax) { tokenize(); }

  Result<std::vector<RespArgumentDoc>> parse() {
    if (tokens_.empty()) return std::vector<RespArgumentDoc>();
    auto alternatives = parse_alternatives(0);
    if (!alternatives.is_ok()) return alternatives.status();
    if (position_ != tokens_.size()) return fail("unexpected '" + tokens_[position_] + "'");
    if (alternatives->size() == 1) return fold(std::move(alternatives->front()));
    std::vector<RespArgumentDoc> top;
    top.push_back(one_of(std::move(*alternatives)));
    return top;
  }

 private:
  using Sequence = std::vector<RespArgumentDoc>;

  void tokenize() {
    std::size_t i = 0;
    while (i < syntax_.size()) {
      const char c = syntax_[i];
      if (c == ' ') {
        ++i;
      } else if (c == '[' || c == ']' || c == '|') {
        tokens_.emplace_back(1, c);
        ++i;
      } else {
        const std::size_t end = syntax_.find_first_of(" []|", i);
        const std::size_t stop = end == std::string_view::npos ? syntax_.size() : end;
        tokens_.emplace_back(syntax_.substr(i, stop - i));
        i = stop;
      }
    }
  }

  Status fail(const std::string& problem) const {
    return Status::invalid_argument("command syntax '" + std::string(syntax_) + "': " + problem);
  }

  bool at(std::string_view token) const {
    return position_ < tokens_.size() && tokens_[position_] == token;
  }

  Result<std::vector<Sequence>> parse_alternatives(int depth) {
    if (depth > kDepthMax) return fail("brackets nested too deep");
    std::vector<Sequence> alternatives;
    while (true) {
      auto sequence = parse_sequence(depth);
      if (!sequence.is_ok()) return sequence.status();
      if (sequence->empty()) return fail("an empty alternative");
      alternatives.push_back(std::move(*sequence));
      if (!at("|")) return alternatives;
      ++position_;
    }
  }

  Result<Sequence> parse_sequence(int depth) {
    Sequence items;
    while (position_ < tokens_.size() && !at("|") && !at("]")) {
      RespArgumentDoc item;
      const std::string& token = tokens_[position_++];
      if (token == "...") return fail("'...' repeats nothing");
      if (token == "[") {
        auto inner = parse_alternatives(depth + 1);
        if (!inner.is_ok()) return inner.status();
        if (!at("]")) return fail("'[' without ']'");
        ++position_;
        item = group(std::move(*inner));
        item.optional = true;
      } else {
        auto word = parse_word(token);
        if (!word.is_ok()) return word.status();
        item = std::move(*word);
      }
      if (at("...")) {
        ++position_;
        item.multiple = true;
      }
      items.push_back(std::move(item));
    }
    return items;
  }

  Result<RespArgumentDoc> parse_word(const std::string& word) const {
    RespArgumentDoc argument;
    if (is_token_word(word)) {
      argument.name = lower(word);
      argument.type = "pure-token";
      argument.token = word;
      return argument;
    }
    const std::size_t colon = word.find(':');
    argument.name = word.substr(0, colon);
    if (argument.name.empty()) return fail("an argument without a name");
    if (colon != std::string::npos) {
      argument.type = word.substr(colon + 1);
      static constexpr std::string_view kTypes[] = {"string", "integer", "double",
                                                    "key",    "pattern", "unix-time"};
      bool known = false;
      for (const auto type : kTypes) known = known || argument.type == type;
      if (!known) return fail("unknown type '" + argument.type + "'");
    } else if (argument.name == "key" || argument.name.ends_with("key")) {
      argument.type = "key";
    } else if (argument.name == "pattern") {
      argument.type = "pattern";
    } else {
      argument.type = "string";
    }
    return argument;
  }

  // A leading token applies to the rest of its sequence: to a single argument directly (`EX
  // seconds`), else as the token of a block (`AUTH username password`).
  static Sequence fold(Sequence items) {
    if (items.size() < 2 || items.front().type != "pure-token" || items.front().optional ||
        items.front().multiple) {
      return items;
    }
    const std::string token = items.front().token;
    Sequence rest = fold(
        Sequence(std::make_move_iterator(items.begin() + 1), std::make_move_iterator(items.end())));
    Sequence folded;
    if (rest.size() == 1 && rest.front().token.empty()) {
      folded.push_back(std::move(rest.front()));
      folded.back().token = token;
      return folded;
    }
    RespArgumentDoc block;
    block.name = lower(token);
    block.type = "block";
    block.token = token;
    block.arguments = std::move(rest);
    folded.push_back(std::move(block));
    return folded;
  }

  static RespArgumentDoc group(std::vector<Sequence> alternatives) {
    if (alternatives.size() > 1) return one_of(std::move(alternatives));
    Sequence items = fold(std::move(alternatives.front()));
    if (items.size() == 1) return std::move(items.front());
    RespArgumentDoc block;
    block.name = items.front().name;
    block.type = "block";
    block.arguments = std::move(items);
    return block;
  }

  static RespArgumentDoc one_of(std::vector<Sequence> alternatives) {
    RespArgumentDoc choice;
    choice.name = "choice";
    choice.type = "oneof";
    for (auto& alternative : alternatives) {
      std::vector<Sequence> single;
      single.push_back(std::move(alternative));
      choice.arguments.push_back(group(std::move(single)));
    }
    return choice;
  }

  std::string_view syntax_;
  std::vector<std::string> tokens_;
  std::size_t position_ = 0;
};

std::string render_argument(const RespArgumentDoc& argument) {
  // As redis-cli builds a hint (cliAddArgument): the token once, then the repeated part.
  std::string token;
  std::string repeat;
  if (argument.type == "pure-token") {
    repeat = argument.token;
  } else {
    if (!argument.token.empty()) token = argument.token + " ";
    if (argument.type == "oneof" || argument.type == "block") {
      const char* separator = argument.type == "oneof" ? "|" : " ";
      for (std::size_t i = 0; i < argument.arguments.size(); ++i) {
        if (i > 0) repeat += separator;
        repeat += render_argument(argument.arguments[i]);
      }
    } else {
      repeat = argument.name;
    }
  }
  std::string text = token + (argument.multiple ? repeat + " [" + repeat + " ...]" : repeat);
  return argument.optional ? "[" + text + "]" : text;
}

}  // namespace

Result<std::vector<RespArgumentDoc>> parse_resp_syntax(std::string_view syntax) {
  return SyntaxParser(syntax).parse();
}

std::string render_resp_syntax(const std::vector<RespArgumentDoc>& arguments) {
  std::string text;
  for (const auto& argument : arguments) {
    if (!text.empty()) text += " ";
    text += render_argument(argument);
  }
  return text;
}

}  // namespace ringkv::api
