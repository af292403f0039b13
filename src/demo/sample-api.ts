/**
 * The OpenAPI description of the sample target (`sample-target.ts`): a small
 * pet store. The demo and the pipeline tests feed it to the service; the target
 * either honours it (`conforming`) or breaks it in four known places (`broken`).
 */
export const SAMPLE_API_YAML = `openapi: 3.0.3
info:
  title: Sample Pet Store
  version: 1.0.0
  description: A tiny API to try the pipeline on. It lists, creates, reads and deletes pets.
  contact:
    name: Demo
    email: demo@example.com
servers:
  - url: http://127.0.0.1:4010
tags:
  - name: pets
    description: Everything about pets
paths:
  /pets:
    get:
      operationId: listPets
      summary: List pets
      description: Lists pets, optionally filtered by status.
      tags: [pets]
      parameters:
        - name: limit
          in: query
          required: false
          description: How many pets to return at most.
          schema:
            type: integer
            minimum: 1
            maximum: 100
          example: 10
        - name: status
          in: query
          required: false
          description: Only pets with this status.
          schema:
            type: string
            enum: [available, sold]
      responses:
        '200':
          description: The pets.
          content:
            application/json:
              schema:
                type: array
                items:
                  $ref: '#/components/schemas/Pet'
        '400':
          description: A query parameter is invalid.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
    post:
      operationId: createPet
      summary: Create a pet
      description: Adds a pet to the store.
      tags: [pets]
      requestBody:
        required: true
        content:
          application/json:
            schema:
              $ref: '#/components/schemas/NewPet'
            example:
              name: Rex
              tag: dog
              status: available
      responses:
        '201':
          description: The created pet.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Pet'
        '400':
          description: The body is invalid.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
  /pets/{petId}:
    parameters:
      - name: petId
        in: path
        required: true
        description: The pet's id.
        schema:
          type: integer
          minimum: 1
        example: 1
    get:
      operationId: getPet
      summary: Get a pet
      description: Returns one pet.
      tags: [pets]
      responses:
        '200':
          description: The pet.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Pet'
        '400':
          description: The id is invalid.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
        '404':
          description: No such pet.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
    delete:
      operationId: deletePet
      summary: Delete a pet
      description: Removes a pet (the sample target only pretends to).
      tags: [pets]
      responses:
        '204':
          description: Deleted.
        '400':
          description: The id is invalid.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
        '404':
          description: No such pet.
          content:
            application/json:
              schema:
                $ref: '#/components/schemas/Error'
components:
  schemas:
    Pet:
      type: object
      description: A pet in the store.
      required: [id, name]
      properties:
        id:
          type: integer
          format: int64
        name:
          type: string
          minLength: 1
          maxLength: 50
        tag:
          type: string
        status:
          type: string
          enum: [available, sold]
    NewPet:
      type: object
      description: What it takes to create a pet.
      required: [name]
      properties:
        name:
          type: string
          minLength: 1
          maxLength: 50
        tag:
          type: string
        status:
          type: string
          enum: [available, sold]
    Error:
      type: object
      description: A problem with the request.
      required: [code, message]
      properties:
        code:
          type: integer
        message:
          type: string
`;
