/* Work done once, by the first thread to need it, then read by every thread without a lock:
 *
 *   if (m365_once_begin(&o)) {   // true: this thread does it, holding the lock
 *       build(...);
 *       m365_once_end(&o);       // done; whatever build wrote is read-only from now on
 *   }
 *
 * A thread that finds it done (acquire) sees everything written before m365_once_end
 * (release). */
#ifndef M365_ONCE_H
#define M365_ONCE_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

struct m365_once {
    pthread_mutex_t mu;
    atomic_bool done;
};

static inline void m365_once_init(struct m365_once *o)
{
    pthread_mutex_init(&o->mu, NULL);
    atomic_init(&o->done, false);
}

static inline void m365_once_destroy(struct m365_once *o) { pthread_mutex_destroy(&o->mu); }

/* false when the work is done (by anyone); true when the caller must do it now, and then call
 * m365_once_end. */
static inline bool m365_once_begin(struct m365_once *o)
{
    if (atomic_load_explicit(&o->done, memory_order_acquire)) {
        return false;
    }
    pthread_mutex_lock(&o->mu);
    if (atomic_load_explicit(&o->done, memory_order_relaxed)) {
        pthread_mutex_unlock(&o->mu);
        return false;
    }
    return true;
}

static inline void m365_once_end(struct m365_once *o)
{
    atomic_store_explicit(&o->done, true, memory_order_release);
    pthread_mutex_unlock(&o->mu);
}
#endif
