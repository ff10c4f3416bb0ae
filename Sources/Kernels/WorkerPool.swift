// A pool of persistent, briefly spinning worker threads. Waking a thread through the system
// costs tens of microseconds, as long as a whole small matrix product; a worker that spins for a
// moment after each job picks the next one up in well under a microsecond. After `spinChecks`
// checks without work (5.2 ms measured on a busy Zen 2) a worker sleeps, so an idle program does
// not burn the machine.
// The caller, done with its share, spins as long before it sleeps between checks: with 100,000
// and 200,000 checks (the earlier limits), the VAE step at 2 threads took 5.54-6.20 ms against
// 4.86-5.22 ms now, and the MLP's 12.07-13.66 against 11.82-12.20 (old and new binaries
// alternating, three rounds).
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool(workers: max(0, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) - 1))

    /// Checks of a waiting flag before a thread sleeps, caller and workers alike.
    static let spinChecks = 2_000_000

    let workers: Int
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let busy = Atomic<Bool>(false)
    private var mutex = pthread_mutex_t()
    private var wake = pthread_cond_t()
    // Written by the caller before `generation` is bumped (release), read by workers after (acquire).
    private var job: ((Int) -> Void)? = nil
    private var jobCount = 0
    private var jobThreads = 0

    private init(workers: Int) {
        self.workers = workers
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&wake, nil)
        for w in 0..<workers {
            var thread = pthread_t()
            let context = Unmanaged.passRetained(WorkerContext(pool: self, index: w + 1)).toOpaque()
            pthread_create(&thread, nil, { raw in
                let context = Unmanaged<WorkerContext>.fromOpaque(raw!).takeRetainedValue()
                context.pool.workerLoop(index: context.index)
                return nil
            }, context)
            pthread_detach(thread)
        }
    }

    /// Runs body(i) for i in 0..<count on `threads` threads (the caller is thread 0); block i
    /// always goes to thread i mod threads. Returns false, doing nothing, if the pool is in use
    /// or too small, so the caller can fall back.
    func run(_ count: Int, threads: Int, _ body: (Int) -> Void) -> Bool {
        guard threads - 1 <= workers, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            return false
        }
        withoutActuallyEscaping(body) { body in
            job = body
            jobCount = count
            jobThreads = threads
            remaining.store(workers, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                pthread_mutex_lock(&mutex)
                pthread_cond_broadcast(&wake)
                pthread_mutex_unlock(&mutex)
            }
            var i = 0
            while i < count { body(i); i += threads }
            // Spin (a small product's other half is microseconds away, or a few hundred when the
            // machine is busy); when the job is long, as a whole training arm is, sleep between
            // checks instead of burning a core.
            var spins = 0
            while remaining.load(ordering: .acquiring) > 0 {
                spins += 1
                if spins > WorkerPool.spinChecks { usleep(200) }
            }
            job = nil
        }
        busy.store(false, ordering: .releasing)
        return true
    }

    private func workerLoop(index: Int) {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen {
                spins += 1
                if spins > WorkerPool.spinChecks {
                    pthread_mutex_lock(&mutex)
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    while generation.load(ordering: .sequentiallyConsistent) == seen { pthread_cond_wait(&wake, &mutex) }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    pthread_mutex_unlock(&mutex)
                    spins = 0
                }
            }
            seen = generation.load(ordering: .acquiring)
            if index < jobThreads, let body = job {
                var i = index
                while i < jobCount { body(i); i += jobThreads }
            }
            remaining.subtract(1, ordering: .releasing)
        }
    }
}

private final class WorkerContext {
    let pool: WorkerPool
    let index: Int
    init(pool: WorkerPool, index: Int) {
        self.pool = pool
        self.index = index
    }
}
