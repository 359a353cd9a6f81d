# seedance-bot: two stages. The first installs the production dependencies (sqlite3 is compiled
# there against Debian's libsqlite3, as `GYP_DEFINES=sqlite=/usr` asks; node-av's FFmpeg comes
# prebuilt, statically linked, in its per-platform package @seydx/node-av-linux-x64, needing only
# glibc); the second carries only
# those, the sources and the runtime library, and runs as the unprivileged `node` user.
#
#   docker build -t seedance-bot .
#   docker run --env-file .env -p 3000:3000 -v seedance-data:/data seedance-bot
#
# It runs the README's commands: `npm ci` (here without the dev tools: --omit=dev) and `npm start`
# (its `prestart` build done ahead, at image build).
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ libsqlite3-dev \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# node-gyp uses the image's own Node headers instead of downloading them; sqlite3's build links
# the system libsqlite3 (gyp reads binding.gyp's `sqlite` variable from GYP_DEFINES, which npm
# itself does not look at, so it has nothing to warn about); the
# image's npm 10 does not read package.json's allowScripts, so node-av's postinstall, which would
# download a separate ffmpeg program the bot never runs, is told to skip that.
ENV npm_config_nodedir=/usr/local \
    GYP_DEFINES=sqlite=/usr \
    SKIP_FFMPEG=true
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force

FROM ${NODE_IMAGE}
# libsqlite3-0: what the compiled sqlite3 binding links to. tini: PID 1 that passes SIGTERM on and
# reaps zombies (npm then forwards it to the bot and waits for the graceful shutdown).
RUN apt-get update \
  && apt-get install -y --no-install-recommends libsqlite3-0 tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data \
    npm_config_update_notifier=false
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json .env.example ./
COPY scripts/build.mjs ./scripts/build.mjs
COPY src ./src
# dist/ (what `npm start` runs) built here, as root: the start's own build step then finds it up
# to date and writes nothing.
RUN npm run build
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
# No curl in slim images: Node's own fetch. /healthz only says the process answers; /readyz is
# for load balancers (it is 503 while a platform or the Oxen stream is down, or during shutdown).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["npm", "start"]
