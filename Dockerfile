# syntax=docker/dockerfile:1
# The sandbox as an image: the wheel built exactly as CI builds and checks it (scripts/wheel_check.py runs
# examples/ci/github-actions.yml's steps), installed into a slim Python, run as a non-root user on a read-only
# root filesystem. docs/deploy.md says how to run it; tests/test_image.py runs its command as it would run here.

FROM python:3.11-slim AS build
WORKDIR /src
COPY . .
# The same command as the CI example's "Build the wheel" step; hatchling comes pinned from pyproject.toml.
RUN python -m pip wheel --no-deps --no-cache-dir -q -w /dist /src

FROM python:3.11-slim
# constraints.txt: the dependency versions CI tests, not the newest on the day the image is built.
RUN --mount=type=bind,from=build,source=/dist,target=/dist \
    --mount=type=bind,from=build,source=/src/constraints.txt,target=/constraints.txt \
    python -m pip install --no-cache-dir -q -c /constraints.txt /dist/jim_activities_mockserver-*.whl \
    && useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin mockserver
# Configuration is MOCKSERVER_ variables only (mockserver serve --help lists them; an unknown one is refused).
# 0.0.0.0: a container's port is reached from outside it. The request journal (MOCKSERVER_JOURNAL_SIZE) is then
# closed unless MOCKSERVER_ADMIN_TOKEN is given at run time (never baked into the image).
ENV MOCKSERVER_HOST=0.0.0.0 \
    MOCKSERVER_PORT=8080 \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
# Nothing is written at run time: logs go to stderr, the bytecode was compiled at install. A read-only root needs
# only the /tmp tmpfs that compose.yaml and the Kubernetes example declare, for anything that asks for a temp file.
ENV TMPDIR=/tmp
USER 10001:10001
WORKDIR /tmp
EXPOSE 8080
# 0 ready, 1 not: `mockserver health` asks /api/v1/health/ready of the configured port within 2 s.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["mockserver", "health"]
ENTRYPOINT ["mockserver"]
CMD ["serve"]
