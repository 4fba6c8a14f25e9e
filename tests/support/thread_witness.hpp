// A RunOptions::run_started hook for tests: records on which thread each run of a row starts, and holds the
// first run until a run has started on another thread (a 30 s guard, after which the test fails on the thread
// count). So a run on several threads is seen to use more than one whatever the scheduler does, and no
// assertion depends on timing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace vpnprobe::testsupport {

struct ThreadWitness {
    std::mutex m;
    std::condition_variable cv;
    std::set<std::thread::id> threads;  // every thread a run started on
    std::vector<std::thread::id> by_row;  // the thread of each row's last run

    explicit ThreadWitness(std::size_t rows) : by_row(rows) {}
    std::function<void(std::size_t)> hook() {
        return [this](std::size_t row) {
            std::unique_lock<std::mutex> lock(m);
            by_row.at(row) = std::this_thread::get_id();
            threads.insert(by_row[row]);
            cv.notify_all();
            cv.wait_for(lock, std::chrono::seconds(30), [&] { return threads.size() > 1; });
        };
    }
};

}  // namespace vpnprobe::testsupport
