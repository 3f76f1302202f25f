"""Real distributed execution on ``torch.distributed`` (gloo on CPU, NCCL on GPU).

Two paths:

* **Parameter server** (:mod:`~reference_impl.distributed.ps`): one server rank and N worker ranks run an
  algorithm of the library, started with ``torchrun --standalone --nnodes=1 --nproc-per-node=N+1 -m
  reference_impl.distributed ...`` (or ``repro distributed ...``). The *same algorithm file* serves both
  roles: each rank runs the algorithm's own ``step``, with the problem and the compressors replaced by
  stand-ins (:mod:`~reference_impl.distributed.roles`): a worker runs it with its own row (N = 1) and its
  own data shard, the server with the full worker axis, receiving the uploads where the step asks for
  gradients (DIANA, MCM, EF21-SGD, NEOLITHIC, COMP-AMS, IADE; IADE's round-0 radii are announced). LENA,
  where each worker decides alone whether to upload, has explicit halves
  (:mod:`~reference_impl.distributed.lena_roles`). Messages are the compressors' real encoded bytes (:mod:`~reference_impl.distributed.codecs`),
  counted per message (:mod:`~reference_impl.distributed.wire`); they equal the simulation's recorded bits
  rounded up to bytes.
* **DDP communication hook** (:mod:`~reference_impl.distributed.ddp_hook`): any of the compressors with
  error feedback per bucket in ordinary ``DistributedDataParallel`` training.

Design of the randomness (why bitwise equality holds): the simulation draws from one generator,
vectorised over workers. Every rank holds a replica of it and makes exactly the simulation's draw calls
(a worker keeps its own row of each draw; the server replays the workers' draws), see
:mod:`~reference_impl.distributed.roles`. The float64 values of a message travel as the encoder's float32
payload plus a residual (XOR of the bit patterns), counted apart, so the receiver rebuilds the exact
values; ``--no-residual`` sends the payload alone (the deployment; the trajectory then differs from the
simulation by the float32 rounding of the messages).
"""
