# One image for the router and every subgraph; the service's command picks which one runs.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
COPY lib/package.json lib/
COPY router/package.json router/
COPY subgraphs/auth/package.json subgraphs/auth/
COPY subgraphs/jobs/package.json subgraphs/jobs/
RUN npm ci --no-audit --no-fund
COPY . .
USER node
