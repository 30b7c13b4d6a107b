# Multi-stage: build with the full toolchain, ship only the program.
# Needs main.go and go.mod next to this file.

# Stage 1 "build": has the Go compiler (hundreds of MB).
FROM golang:1.23-alpine AS build
WORKDIR /src
COPY go.mod ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/app .

# Stage 2: a small base with just the compiled program copied in.
FROM alpine:3.20
COPY --from=build /out/app /usr/local/bin/app
USER nobody
ENTRYPOINT ["/usr/local/bin/app"]
