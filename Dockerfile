# One image for the router and every subgraph; the service's command picks which one runs
# (docker-compose.yml, generated from the subgraph registry by `npm run deploy:generate`).
# No subgraph is named here: the workspace manifests are found by glob, so a new subgraph folder
# (subgraphs/* in package.json's workspaces) is built without an edit to this file.

# Every package.json of the build context outside node_modules, at its own path. Copied on its own
# so the `npm ci` layer below is rebuilt only when a manifest or the lock file changes: the copy
# is cached by content, and this stage's output does not change on a source edit.
FROM node:20-bookworm-slim AS manifests
WORKDIR /context
COPY . .
RUN mkdir /manifests \
  && find . -name node_modules -prune -o -name package.json -type f -print0 \
  | xargs -0 -r cp --parents -t /manifests

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=manifests /manifests/ ./
COPY package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
USER node
