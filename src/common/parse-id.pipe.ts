import { BadRequestException, ParseUUIDPipe } from '@nestjs/common';

/** Validates an `:id` route parameter; a malformed one is a 400 that names the field. */
export const ParseIdPipe = new ParseUUIDPipe({ exceptionFactory: () => new BadRequestException('id must be a UUID') });
