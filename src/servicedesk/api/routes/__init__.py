"""The API's resources, one router per part of the desk."""
