"""The chief of a distributed search: keras-tuner's oracle server with dead-worker reaping.

keras-tuner runs the same script as chief and workers, told apart by the environment:
`KERASTUNER_TUNER_ID` ("chief" for the chief, any other id for a worker),
`KERASTUNER_ORACLE_IP` and `KERASTUNER_ORACLE_PORT` (where the chief listens). The chief
serves the oracle over gRPC; every worker asks it for trials, runs them and reports back.

`serve` is keras-tuner's `oracle_chief.start_server` with two changes: every
`poll_interval` seconds it gives the trials of silent workers back to the queue
(`ResumableOracleMixin._reap`, bounded by the search's trial timeout), and it stops as
soon as the search is over instead of checking every 20 seconds.
"""

import os
import time
from concurrent import futures


def is_chief():
    from keras_tuner.src.distribute import utils

    return utils.is_chief_oracle()


def is_worker():
    from keras_tuner.src.distribute import utils

    return utils.has_chief_oracle() and not utils.is_chief_oracle()


def serve(oracle, poll_interval=0.5):
    """Serves `oracle` to the workers until every trial has ended and every worker left."""
    import grpc
    from keras_tuner.src import protos
    from keras_tuner.src.distribute.oracle_chief import OracleServicer, exit_chief

    if (oracle.max_trials and len(oracle.trials) >= oracle.max_trials
            and not oracle.ongoing_trials and not oracle._retry_queue):
        print("The search is complete: the chief has nothing to serve.", flush=True)
        return
    address = f"{os.environ['KERASTUNER_ORACLE_IP']}:{os.environ['KERASTUNER_ORACLE_PORT']}"
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1))
    servicer = OracleServicer(oracle)
    protos.get_service_grpc().add_OracleServicer_to_server(servicer, server)
    if not server.add_insecure_port(address):
        raise RuntimeError(f"The chief cannot listen on {address}: is the port in use?")
    server.start()
    print(f"Chief oracle serving on {address}", flush=True)
    try:
        while True:
            time.sleep(poll_interval)
            oracle._reap()
            if servicer.stop_triggered and exit_chief(oracle):
                break
    finally:
        server.stop(grace=2).wait()
