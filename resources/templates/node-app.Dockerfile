# A Node.js app. Needs package.json, package-lock.json and server.js here.
FROM node:22-alpine

ENV NODE_ENV=production
WORKDIR /app

# Dependencies first, so this layer is reused until the lock file changes.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev

COPY . .

# The node image has a ready-made unprivileged user called node.
USER node
EXPOSE 3000
CMD ["node", "server.js"]
