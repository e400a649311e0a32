// MULTI / EXEC / DISCARD / WATCH / UNWATCH, with Redis's replies (multi.c) and ringkv's
// semantics: queued commands run in order at EXEC, each once the previous one has finished, but
// without isolation. Between two of them (and while one runs) other connections' commands on the
// same keys may run, and a failure does not undo the commands before it. Redis offers isolation
// through one thread and optimistic locking through WATCH; ringkv has neither across replicas, so
// WATCH is refused rather than silently never firing (docs/REDIS.md).
#include <memory>
#include <unordered_set>
#include <utility>

#include "api/resp_planner.h"

namespace ringkv::api {
namespace {

static_assert(kRespTransactionBytesMax >= resp_command_bytes_max(limits::kValueMaxBytesCeiling),
              "a transaction holds at least one command of the largest size accepted");

std::size_t argument_bytes(const RespArgs& args) {
  std::size_t bytes = 0;
  for (const auto& arg : args) bytes += arg.size();
  return bytes;
}

// Refuses a command at queue time: the error now, EXECABORT at EXEC.
RespCommandPlan refuse(RespSession& session, std::string message) {
  session.transaction.aborted = true;
  return immediate(error_step(message));
}

// The queued commands' first steps, run one after another. A step with requests is handed to
// the host; its continuation's next step replaces it, and once a command's step is its reply,
// that reply joins the array and the next command starts.
struct ExecRun {
  std::vector<RespStep> steps;
  std::size_t next = 0;
  RespWriter out;

  explicit ExecRun(RespProtocol protocol) : out(protocol) {}
};

RespStep advance(const std::shared_ptr<ExecRun>& run) {
  while (run->next < run->steps.size()) {
    RespStep& step = run->steps[run->next];
    if (step.finished()) {
      run->out.raw(step.reply);
      step = RespStep();
      ++run->next;
      continue;
    }
    RespStep wait;
    wait.requests = std::move(step.requests);
    step.requests.clear();
    wait.then = [run](std::vector<core::ClientReply> replies) {
      RespStep& current = run->steps[run->next];
      RespStep next = current.then(std::move(replies));
      current = std::move(next);
      return advance(run);
    };
    return wait;
  }
  return reply_step(std::move(run->out));
}

}  // namespace

RespCommandPlan queue_resp_command(RespArgs args, const RespCommandSpec* spec,
                                   RespSession& session) {
  RespTransaction& transaction = session.transaction;
  if (spec == nullptr) return refuse(session, unknown_command_error(args[0]));
  if (!resp_arity_ok(*spec, args.size())) return refuse(session, arity_error(spec->name));
  const std::size_t bytes = argument_bytes(args);
  if (transaction.queued.size() >= kRespTransactionCommandsMax ||
      bytes > kRespTransactionBytesMax - transaction.queued_bytes) {
    return refuse(session, "ERR transaction too long: ringkv queues at most " +
                               std::to_string(kRespTransactionCommandsMax) + " commands and " +
                               std::to_string(kRespTransactionBytesMax / (1024 * 1024)) +
                               " MiB of arguments between MULTI and EXEC");
  }
  transaction.queued_bytes += bytes;
  transaction.queued.push_back(std::move(args));
  return immediate(simple_step("QUEUED"));
}

RespCommandPlan plan_multi(RespArgs&, RespSession& session, const RespServerInfo&) {
  if (session.transaction.active) {
    // As in Redis, this error does not abort the transaction.
    return immediate(error_step("ERR MULTI calls can not be nested"));
  }
  session.transaction = RespTransaction();
  session.transaction.active = true;
  return immediate(simple_step("OK"));
}

RespCommandPlan plan_exec(RespArgs&, RespSession& session, const RespServerInfo& info) {
  if (!session.transaction.active) return immediate(error_step("ERR EXEC without MULTI"));
  RespTransaction transaction = std::move(session.transaction);
  session.transaction = RespTransaction();
  if (transaction.aborted) {
    return immediate(error_step("EXECABORT Transaction discarded because of previous errors."));
  }
  // The array is written in the protocol of EXEC's start; a queued HELLO changes the protocol
  // of the replies after it, as in Redis.
  auto run = std::make_shared<ExecRun>(session.protocol);
  run->out.array(transaction.queued.size());
  RespCommandPlan plan;
  std::unordered_set<std::string> keys;
  // Planning in order applies each command's effect on the session (SELECT, CLIENT SETNAME) before
  // the next is planned, as executing them in order would.
  for (auto& args : transaction.queued) {
    RespCommandPlan queued = plan_resp_command_now(std::move(args), session, info);
    plan.writes = plan.writes || queued.writes;
    plan.all_keys = plan.all_keys || queued.all_keys;
    for (auto& key : queued.keys) {
      if (keys.insert(key).second) plan.keys.push_back(std::move(key));
    }
    run->steps.push_back(std::move(queued.first));
  }
  plan.first = advance(run);
  return plan;
}

RespCommandPlan plan_discard(RespArgs&, RespSession& session, const RespServerInfo&) {
  if (!session.transaction.active) return immediate(error_step("ERR DISCARD without MULTI"));
  session.transaction = RespTransaction();
  return immediate(simple_step("OK"));
}

RespCommandPlan plan_watch(RespArgs&, RespSession& session, const RespServerInfo&) {
  if (session.transaction.active) {
    return immediate(error_step("ERR WATCH inside MULTI is not allowed"));
  }
  return immediate(
      error_step("ERR WATCH is not supported: ringkv transactions are not isolated (see "
                 "docs/REDIS.md)"));
}

RespCommandPlan plan_unwatch(RespArgs&, RespSession&, const RespServerInfo&) {
  return immediate(simple_step("OK"));
}

}  // namespace ringkv::api
