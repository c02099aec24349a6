# One image for every process of the stack; the compose file picks the entry point per service.
FROM node:24-slim
WORKDIR /app
COPY . .
RUN npm ci && npm cache clean --force
ENV NODE_ENV=production HOST=0.0.0.0
CMD ["node", "--import", "tsx", "gateway/src/index.ts"]
