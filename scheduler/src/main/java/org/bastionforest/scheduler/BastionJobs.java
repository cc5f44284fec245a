package org.bastionforest.scheduler;

import java.util.Date;
import java.util.Objects;
import java.util.Optional;
import org.bastionforest.shadowgroups.request.RequestId;
import org.bastionforest.shadowgroups.request.RequestService.Deadline;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDetail;
import org.quartz.JobExecutionContext;
import org.quartz.JobExecutionException;
import org.quartz.JobKey;
import org.quartz.Scheduler;
import org.quartz.TriggerKey;
import org.quartz.spi.JobFactory;
import org.quartz.spi.TriggerFiredBundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Quartz jobs. Each is a thin shell around a method of {@link GrantScheduler}; the jobs are
 * made by {@link Factory} (bound to one scheduler), never by reflection, so they hold no state of
 * their own. Quartz stores only their class names in {@code qrtz_job_details}.
 *
 * <p>A failing job logs and returns: the periodic sweep and the next interval retry, and Quartz
 * never refires a job at once (which would spin while the database is down).
 */
final class BastionJobs {
    private static final Logger LOG = LoggerFactory.getLogger(BastionJobs.class);

    private BastionJobs() {}

    static JobDetail deadlineJob(JobKey key) {
        return JobBuilder.newJob(DeadlineJob.class)
                .withIdentity(key)
                .withDescription("runs a request's or grant's deadline (trigger key = request id)")
                .storeDurably()
                .requestRecovery()
                .build();
    }

    static JobDetail dispatchJob(JobKey key) {
        return periodic(DispatchJob.class, key, "applies pending bastion-directory changes");
    }

    static JobDetail sweepJob(JobKey key) {
        return periodic(SweepJob.class, key, "ends overdue grants and requests (lost triggers)");
    }

    static JobDetail reconcileJob(JobKey key) {
        return periodic(ReconcileJob.class, key, "removes standing privilege");
    }

    static JobDetail syncJob(JobKey key) {
        return periodic(SyncJob.class, key, "production -> bastion sync, if configured");
    }

    static JobDetail notifyJob(JobKey key) {
        return periodic(NotifyJob.class, key, "ending-soon notices and notification relay");
    }

    private static JobDetail periodic(Class<? extends Job> type, JobKey key, String what) {
        return JobBuilder.newJob(type)
                .withIdentity(key)
                .withDescription(what)
                .storeDurably()
                .build();
    }

    /** Makes the jobs for one {@link GrantScheduler}. */
    static final class Factory implements JobFactory {
        private final GrantScheduler scheduler;

        Factory(GrantScheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        }

        @Override
        public Job newJob(TriggerFiredBundle bundle, Scheduler quartz) {
            Class<? extends Job> type = bundle.getJobDetail().getJobClass();
            if (type == DeadlineJob.class) {
                return new DeadlineJob(scheduler);
            } else if (type == DispatchJob.class) {
                return new DispatchJob(scheduler);
            } else if (type == SweepJob.class) {
                return new SweepJob(scheduler);
            } else if (type == ReconcileJob.class) {
                return new ReconcileJob(scheduler);
            } else if (type == SyncJob.class) {
                return new SyncJob(scheduler);
            } else if (type == NotifyJob.class) {
                return new NotifyJob(scheduler);
            }
            // a job stored by another build: do nothing rather than guess
            return context -> LOG.warn("scheduler.unknown-job: {} ignored", type.getName());
        }
    }

    /** One deadline: the trigger's key says which request and what. */
    static final class DeadlineJob implements Job {
        private final GrantScheduler scheduler;

        DeadlineJob(GrantScheduler scheduler) {
            this.scheduler = scheduler;
        }

        @Override
        public void execute(JobExecutionContext context) throws JobExecutionException {
            TriggerKey key = context.getTrigger().getKey();
            if (GrantScheduler.SLOT_GROUP.equals(key.getGroup())) {
                waitUntil(context.getScheduledFireTime());
                try {
                    scheduler.runExpirySlot();
                } catch (Exception e) {
                    LOG.warn(
                            "scheduler.slot-failed: expiry slot {} failed ({}); the sweep retries",
                            key.getName(),
                            e.getClass().getSimpleName(),
                            e);
                }
                return;
            }
            Optional<Deadline.Kind> kind = GrantScheduler.kindOf(key);
            RequestId id;
            try {
                id = RequestId.parse(key.getName());
            } catch (IllegalArgumentException e) {
                id = null;
            }
            if (kind.isEmpty() || id == null) {
                LOG.warn("scheduler.bad-trigger: {} is not a deadline; ignored", key);
                return;
            }
            waitUntil(context.getScheduledFireTime());
            try {
                scheduler.runDeadline(kind.get(), id);
            } catch (Exception e) {
                LOG.warn(
                        "scheduler.deadline-failed: {} of {} failed ({}); the sweep retries",
                        kind.get(),
                        id,
                        e.getClass().getSimpleName(),
                        e);
            }
        }

        /** Quartz may fire up to 2 ms early; the core would then find nothing due yet. */
        private static void waitUntil(Date scheduled) {
            if (scheduled == null) {
                return;
            }
            long early = scheduled.getTime() - System.currentTimeMillis();
            if (early > 0 && early < 1_000) {
                try {
                    Thread.sleep(early + 1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    @DisallowConcurrentExecution
    static final class DispatchJob implements Job {
        private final GrantScheduler scheduler;

        DispatchJob(GrantScheduler scheduler) {
            this.scheduler = scheduler;
        }

        @Override
        public void execute(JobExecutionContext context) {
            scheduler.requestDispatch();
        }
    }

    @DisallowConcurrentExecution
    static final class SweepJob implements Job {
        private final GrantScheduler scheduler;

        SweepJob(GrantScheduler scheduler) {
            this.scheduler = scheduler;
        }

        @Override
        public void execute(JobExecutionContext context) {
            try {
                scheduler.runSweep();
            } catch (Exception e) {
                LOG.warn("scheduler.sweep-failed: {}", e.getClass().getSimpleName(), e);
            }
        }
    }

    @DisallowConcurrentExecution
    static final class ReconcileJob implements Job {
        private final GrantScheduler scheduler;

        ReconcileJob(GrantScheduler scheduler) {
            this.scheduler = scheduler;
        }

        @Override
        public void execute(JobExecutionContext context) {
            try {
                scheduler.runReconcile();
            } catch (Exception e) {
                LOG.warn("scheduler.reconcile-failed: {}", e.getClass().getSimpleName(), e);
            }
        }
    }

    @DisallowConcurrentExecution
    static final class SyncJob implements Job {
        private final GrantScheduler scheduler;

        SyncJob(GrantScheduler scheduler) {
            this.scheduler = scheduler;
        }

        @Override
        public void execute(JobExecutionContext context) {
            try {
                scheduler.runSync();
            } catch (Exception e) {
                LOG.warn("scheduler.sync-failed: {}", e.getClass().getSimpleName(), e);
            }
        }
    }

    @DisallowConcurrentExecution
    static final class NotifyJob implements Job {
        private final GrantScheduler scheduler;

        NotifyJob(GrantScheduler scheduler) {
            this.scheduler = scheduler;
        }

        @Override
        public void execute(JobExecutionContext context) {
            try {
                scheduler.runNotify();
            } catch (Exception e) {
                LOG.warn("scheduler.notify-failed: {}", e.getClass().getSimpleName(), e);
            }
        }
    }
}
